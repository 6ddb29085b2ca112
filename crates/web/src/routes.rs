//! The router built from one list: every route is added with its methods, so the application can say
//! which routes it has ([`crate::route_table`]). The authorisation matrix test walks that list for every
//! kind of caller, so a route without a row in the matrix fails the test.

use algoreg_service::App;
use axum::routing::MethodRouter;
use axum::Router;

/// A router with the list of its routes: (methods, path pattern).
pub struct Routes {
    pub router: Router<App>,
    pub list: Vec<(&'static str, String)>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes { router: Router::new(), list: vec![] }
    }
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    /// Adds a route; `methods` names the methods `handler` answers, space-separated (`"GET POST"`).
    pub fn add(mut self, methods: &'static str, path: &str, handler: MethodRouter<App>) -> Routes {
        self.router = self.router.route(path, handler);
        self.list.push((methods, path.to_string()));
        self
    }

    pub fn nest(mut self, prefix: &str, other: Routes) -> Routes {
        self.router = self.router.nest(prefix, other.router);
        self.list.extend(other.list.into_iter().map(|(m, p)| (m, if p == "/" { prefix.to_string() } else { format!("{prefix}{p}") })));
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.list.extend(other.list);
        self
    }

    /// Applies layers to the routes added so far.
    pub fn with(mut self, f: impl FnOnce(Router<App>) -> Router<App>) -> Routes {
        self.router = f(self.router);
        self
    }
}
