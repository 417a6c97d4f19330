//! Errors answered as RFC 9457 problem+json, with their HTTP status, and the JSON body
//! extractor whose rejections are answered the same way.

use crate::error::Error;
use crate::store::Refusal;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Malformed(_) => StatusCode::BAD_REQUEST,
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::NotImplemented => StatusCode::NOT_IMPLEMENTED,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Unauthorized => StatusCode::UNAUTHORIZED,
            Error::Forbidden => StatusCode::FORBIDDEN,
            Error::Refused(refusal) => refused_status(refusal),
            Error::NotPayable | Error::Locked(_) => StatusCode::CONFLICT,
            Error::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable | Error::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Error::Provider => StatusCode::BAD_GATEWAY,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A refusal's status: the campaign's or the tier's state is a conflict, a reused key a
/// request that cannot be processed, a store that cannot answer a retry.
fn refused_status(refusal: &Refusal) -> StatusCode {
    match refusal {
        Refusal::NotFound => StatusCode::NOT_FOUND,
        Refusal::KeyReused => StatusCode::UNPROCESSABLE_ENTITY,
        Refusal::Unavailable | Refusal::Unknown | Refusal::Saturated => StatusCode::SERVICE_UNAVAILABLE,
        Refusal::SurveyLocked
        | Refusal::SurveyNotOpen
        | Refusal::Shipped
        | Refusal::NotShipped
        | Refusal::NotErasable
        | Refusal::PledgeCancelled => StatusCode::CONFLICT,
        Refusal::NotStarted(_)
        | Refusal::Ended
        | Refusal::Cancelled
        | Refusal::Changed
        | Refusal::SoldOut(_)
        | Refusal::TierUnavailable { .. }
        | Refusal::AddressCap { .. }
        | Refusal::UnpaidCap { .. }
        | Refusal::HeldUnpaid(_)
        | Refusal::NotSoldOut(_)
        | Refusal::AlreadyWaiting(_)
        | Refusal::OfferGone => StatusCode::CONFLICT,
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(e) = &self {
            tracing::error!(error = ?e, "request failed");
        }
        let status = self.status();
        let problem = self.problem();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(seconds) = problem.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Error::Unauthorized = self {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"tribefund\""));
        }
        response
    }
}

/// `axum::Json`, with rejections answered in the same problem+json shape as every other error.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(rejection_error(rejection)),
        }
    }
}

fn rejection_error(rejection: JsonRejection) -> Error {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => Error::UnsupportedMediaType,
        r if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Error::TooLarge,
        JsonRejection::JsonDataError(e) => {
            Error::Malformed(format!("The JSON does not fit: {}", e.body_text()))
        }
        JsonRejection::JsonSyntaxError(e) => {
            Error::Malformed(format!("The body is not valid JSON: {}", e.body_text()))
        }
        other => Error::Malformed(other.body_text()),
    }
}
