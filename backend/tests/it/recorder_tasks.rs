//! The recorder's tasks: a recorder started on its own `TaskTracker`
//! (beside a real server, on its test-source camera) leaves only its own
//! task running once a recording has ended, and at shutdown it finishes the
//! recording in progress, catalogues it as complete and leaves no task
//! running at all; afterwards its handle answers `Gone`.

use crate::common;

use camrig::recording::{Recorder, RecorderParts, RecordingError};
use shared::media::{CaptureMetadata, MediaEntry, MediaStatus};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

const FPS: u32 = 30;

/// Waits until the recorder state every client sees shows recording
/// `id` with at least `frames` frames written.
async fn until_frames(app: &camrig::state::AppState, id: i64, frames: u64) {
    let mut state = app.state.subscribe();
    common::within(common::STEP, "frames to be recorded", async {
        state
            .wait_for(|s| {
                s.recording
                    .active
                    .as_ref()
                    .is_some_and(|a| a.id == id && a.frames >= frames)
            })
            .await
            .map(|_| ())
            .expect("the state channel closed");
    })
    .await;
}

/// Checks that entry `id` is catalogued as a complete recording whose
/// size is the file's.
async fn assert_complete(app: &camrig::state::AppState, id: i64) -> MediaEntry {
    let entry = camrig::catalogue::repo::get(app.catalogue.db(), id)
        .await
        .unwrap();
    assert_eq!(entry.status, MediaStatus::Complete, "{entry:?}");
    assert!(entry.frame_count.unwrap_or(0) > 0, "{entry:?}");
    assert!(entry.duration_ms.unwrap_or(0) > 0, "{entry:?}");
    let path = app.catalogue.path_of(&entry).unwrap();
    assert_eq!(
        entry.size_bytes,
        std::fs::metadata(&path).unwrap().len(),
        "{entry:?}"
    );
    entry
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recorder_leaves_no_task_running_after_its_recording_or_shutdown() {
    let config = common::test_config(320, 240, FPS);
    let recording = config.recording.clone();
    let server = common::start_live(config).await;
    // A viewer, as in the other recording tests: the camera stays wanted.
    let ws = common::ws_connect(&server).await;
    let app = server.app.clone();

    let tasks = TaskTracker::new();
    let shutdown = CancellationToken::new();
    let parts = RecorderParts {
        catalogue: app.catalogue.clone(),
        tap: app.camera.tap().clone(),
        state: app.state.clone(),
        media_events: app.media_events.clone(),
        device: app.device.clone(),
        min_free_megabytes: 0,
    };
    let recorder = Recorder::spawn(parts, recording, FPS, shutdown.clone(), &tasks);
    assert_eq!(recorder.active_id().await, None);

    // A recording stopped by request: afterwards only the recorder's own
    // task is left.
    let first = recorder
        .start(Some("first"), "", CaptureMetadata::default())
        .await
        .unwrap();
    assert_eq!(first.status, MediaStatus::Recording);
    assert_eq!(recorder.active_id().await, Some(first.id));
    until_frames(&app, first.id, 10).await;
    let stopped = recorder.stop().await.unwrap();
    assert_eq!(stopped.status, MediaStatus::Complete);
    assert_eq!(recorder.active_id().await, None);
    assert_eq!(
        tasks.len(),
        1,
        "a task the recording started is still running after it ended"
    );
    assert_complete(&app, first.id).await;

    // A recording running at shutdown: the recorder finishes it and every
    // task it started ends.
    let second = recorder
        .start(Some("second"), "", CaptureMetadata::default())
        .await
        .unwrap();
    until_frames(&app, second.id, 10).await;
    shutdown.cancel();
    tasks.close();
    common::within(common::STEP, "the recorder's tasks to end", tasks.wait()).await;
    assert!(tasks.is_empty(), "{} tasks still running", tasks.len());

    let entry = assert_complete(&app, second.id).await;
    eprintln!("finished at shutdown: {entry:?}");
    assert!(!app.camera.tap().is_attached());
    assert!(app.state.borrow().recording.active.is_none());
    assert_eq!(recorder.active_id().await, None);
    assert!(matches!(
        recorder
            .start(Some("third"), "", CaptureMetadata::default())
            .await,
        Err(RecordingError::Gone)
    ));
    assert!(matches!(recorder.stop().await, Err(RecordingError::Gone)));

    drop(ws);
    server.stop().await;
}
