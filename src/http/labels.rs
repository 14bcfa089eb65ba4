//! Labels for metrics and the access log, from closed sets only: no request, signed in or not,
//! can add a metric series or write text of its choosing.

/// The method as a metric label: the ones the API uses, or `OTHER`. Every label value comes
/// from a closed set, so no request can add a series (a made-up method once could).
pub fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// The route as a label: the template the request matched (`/api/v1/children/{child_id}`,
/// never the path with its ids), or `unmatched`.
pub fn route_label<B>(request: &axum::http::Request<B>) -> String {
    request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned())
}
