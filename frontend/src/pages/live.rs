//! `/`: the live picture with its controls (view, snapshot, recording,
//! the rig's heart rate and light, focus, camera controls), and the recent
//! captures below it. Viewers see the picture, the heart rate and the
//! captures; the controls are for operators.

use leptos::prelude::*;

use crate::components::camera_controls::CameraControls;
use crate::components::device_panels::DevicePanels;
use crate::components::focus_controls::FocusControls;
use crate::components::live_view::LiveView;
use crate::components::operator_only::OperatorOnly;
use crate::components::recent_captures::RecentCaptures;
use crate::components::record_controls::RecordControls;
use crate::components::view_controls::ViewControls;

/// The live page.
#[component]
pub fn LivePage() -> impl IntoView {
    view! {
        <LiveView/>
        <OperatorOnly>
            <ViewControls/>
            <RecordControls/>
        </OperatorOnly>
        <DevicePanels/>
        <OperatorOnly>
            <FocusControls/>
            <CameraControls/>
        </OperatorOnly>
        <RecentCaptures/>
    }
}
