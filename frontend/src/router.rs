//! The app's routing: which page the address bar's path shows, links that
//! stay in the page, the browser's Back and Forward, and navigation from
//! code. It replaces `leptos_router`, which cost 42 KB of the web app's
//! brotli-compressed size (one seventh) for six fixed routes. A click on
//! a link to this server changes the path and adds a history entry
//! instead of loading the page, by the rules `leptos_router` used: not
//! with a modifier key or another button, not for links with a `target`,
//! `download` or `rel="external"`, and not to another origin. As there,
//! the page scrolls to the top after a link unless the link has
//! `data-noscroll` (or to the element the URL's `#fragment` names).
//!
//! Routes: `/` live, `/gallery` (with `/gallery/{id}` as the viewer over
//! it), `/database`, `/system`, `/login`; anything else is not found. A
//! trailing slash is ignored. Each page has its title in the browser's
//! tab and task switcher ("Gallery · camrig").

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlAnchorElement, MouseEvent};

/// The page a path shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Live,
    /// The gallery, with or without the viewer over it.
    Gallery,
    Database,
    System,
    Login,
    NotFound,
}

impl Page {
    /// The page's name, first in the document's title.
    pub fn name(self) -> &'static str {
        match self {
            Page::Live => "Live",
            Page::Gallery => "Gallery",
            Page::Database => "Database",
            Page::System => "System",
            Page::Login => "Log in",
            Page::NotFound => "Page not found",
        }
    }

    /// The document's title while the page is on show.
    pub fn title(self) -> String {
        format!("{} · camrig", self.name())
    }
}

/// The page `path` shows, and for `/gallery/{id}` the `id` segment (as
/// written: the viewer says when it is no entry's).
pub fn route(path: &str) -> (Page, Option<&str>) {
    let path = match path.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => path,
    };
    let page = match path {
        "/" => Page::Live,
        "/gallery" => Page::Gallery,
        "/database" => Page::Database,
        "/system" => Page::System,
        "/login" => Page::Login,
        _ => {
            return match path.strip_prefix("/gallery/") {
                Some(id) if !id.is_empty() && !id.contains('/') => (Page::Gallery, Some(id)),
                _ => (Page::NotFound, None),
            };
        }
    };
    (page, None)
}

/// Whether a link to `href` is the page on show at `path` (for
/// `aria-current`): the same path, or with `exact` unset a path below it
/// (`/gallery` is current at `/gallery/7`).
pub fn is_current(href: &str, path: &str, exact: bool) -> bool {
    path == href
        || (!exact
            && path
                .strip_prefix(href)
                .is_some_and(|rest| rest.starts_with('/')))
}

/// The router, provided as context by [`Router::start`].
#[derive(Debug, Clone, Copy)]
pub struct Router {
    /// The address bar's path (`location.pathname`).
    path: RwSignal<String>,
    page: Memo<Page>,
    entry: Memo<Option<String>>,
}

impl Router {
    /// Follows the address bar from now on (link clicks, Back and Forward)
    /// and provides the router to the components below.
    pub fn start() -> Router {
        let path = RwSignal::new(current_path());
        let router = Router {
            path,
            page: Memo::new(move |_| path.with(|p| route(p).0)),
            entry: Memo::new(move |_| path.with(|p| route(p).1.map(str::to_owned))),
        };
        provide_context(router);
        // The title follows the page (a side effect outside the app's DOM).
        Effect::new(move |_| document().set_title(&router.page.get().title()));
        let on_click = window_event_listener(leptos::ev::click, move |ev| router.on_click(&ev));
        let on_back_or_forward =
            window_event_listener(leptos::ev::popstate, move |_| router.follow_address_bar());
        on_cleanup(move || {
            on_click.remove();
            on_back_or_forward.remove();
        });
        router
    }

    /// The router of the app.
    pub fn get() -> Router {
        expect_context::<Router>()
    }

    /// The address bar's path.
    pub fn path(self) -> ReadSignal<String> {
        self.path.read_only()
    }

    /// The page on show.
    pub fn page(self) -> Memo<Page> {
        self.page
    }

    /// The `id` segment of `/gallery/{id}`, while the viewer is open.
    pub fn entry(self) -> Memo<Option<String>> {
        self.entry
    }

    /// Goes to `to` (a path, with query and fragment if any): a new history
    /// entry, or with `replace` in place of the current one; then scrolls
    /// to the top if `scroll` (or to the fragment's element).
    pub fn navigate(self, to: &str, replace: bool, scroll: bool) {
        let window = window();
        if let Ok(history) = window.history() {
            let location = window.location();
            let here = [location.pathname(), location.search(), location.hash()]
                .map(Result::unwrap_or_default)
                .concat();
            // Not twice the same entry (a link to the page on show).
            let _ = if replace {
                history.replace_state_with_url(&JsValue::NULL, "", Some(to))
            } else if to != here {
                history.push_state_with_url(&JsValue::NULL, "", Some(to))
            } else {
                Ok(())
            };
        }
        self.follow_address_bar();
        scroll_after_navigation(scroll);
    }

    /// Shows the address bar's path.
    fn follow_address_bar(self) {
        let now = current_path();
        if self.path.with_untracked(|p| *p != now) {
            self.path.set(now);
        }
    }

    /// A click anywhere: one on a link to a page of this app navigates
    /// here instead of loading the page.
    fn on_click(self, ev: &MouseEvent) {
        if ev.default_prevented()
            || ev.button() != 0
            || ev.meta_key()
            || ev.alt_key()
            || ev.ctrl_key()
            || ev.shift_key()
        {
            return;
        }
        // The outermost link the click is in.
        let targets = ev.composed_path();
        let Some(link) = (0..targets.length())
            .rev()
            .find_map(|i| targets.get(i).dyn_into::<HtmlAnchorElement>().ok())
        else {
            return;
        };
        let rel = link.get_attribute("rel").unwrap_or_default();
        if !link.target().is_empty()
            || link.href().is_empty()
            || link.has_attribute("download")
            || rel.split([' ', '\t']).any(|part| part == "external")
            || window().location().origin().ok() != Some(link.origin())
        {
            return;
        }
        ev.prevent_default();
        let to = [link.pathname(), link.search(), link.hash()].concat();
        let scroll = !link.has_attribute("noscroll") && !link.has_attribute("data-noscroll");
        self.navigate(&to, false, scroll);
    }
}

/// `location.pathname`.
fn current_path() -> String {
    window()
        .location()
        .pathname()
        .unwrap_or_else(|_| "/".to_owned())
}

/// After a navigation: to the element the fragment names, if any, else to
/// the top if `scroll`.
fn scroll_after_navigation(scroll: bool) {
    let hash = window().location().hash().unwrap_or_default();
    if let Some(name) = hash.strip_prefix('#').filter(|name| !name.is_empty()) {
        let id = js_sys::decode_uri(name)
            .ok()
            .and_then(|decoded| decoded.as_string())
            .unwrap_or_else(|| name.to_owned());
        if let Some(element) = document().get_element_by_id(&id) {
            element.scroll_into_view();
            return;
        }
    }
    if scroll {
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_routed() {
        assert_eq!(route("/"), (Page::Live, None));
        assert_eq!(route("/gallery"), (Page::Gallery, None));
        assert_eq!(route("/gallery/"), (Page::Gallery, None));
        assert_eq!(route("/gallery/12"), (Page::Gallery, Some("12")));
        assert_eq!(route("/gallery/12/"), (Page::Gallery, Some("12")));
        assert_eq!(route("/gallery/x"), (Page::Gallery, Some("x")));
        assert_eq!(route("/gallery/1/2"), (Page::NotFound, None));
        assert_eq!(route("/gallery//"), (Page::NotFound, None));
        assert_eq!(route("/database"), (Page::Database, None));
        assert_eq!(route("/system/"), (Page::System, None));
        assert_eq!(route("/login"), (Page::Login, None));
        assert_eq!(route("/galleryx"), (Page::NotFound, None));
        assert_eq!(route("/nope"), (Page::NotFound, None));
        assert_eq!(route("/Gallery"), (Page::NotFound, None));
    }

    #[test]
    fn each_page_has_its_title() {
        assert_eq!(Page::Live.title(), "Live · camrig");
        assert_eq!(Page::Gallery.title(), "Gallery · camrig");
        assert_eq!(Page::Login.title(), "Log in · camrig");
        assert_eq!(Page::NotFound.title(), "Page not found · camrig");
    }

    #[test]
    fn the_current_link_is_found() {
        assert!(is_current("/", "/", true));
        assert!(!is_current("/", "/gallery", true));
        assert!(is_current("/gallery", "/gallery", false));
        assert!(is_current("/gallery", "/gallery/7", false));
        assert!(is_current("/gallery", "/gallery/", false));
        assert!(!is_current("/gallery", "/galleryx", false));
        assert!(!is_current("/gallery", "/database", false));
    }
}
