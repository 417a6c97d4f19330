//! Stripe's API, called with reqwest and small, tolerant types: each names only the fields
//! tribefund reads, unknown fields are ignored, and a field Stripe may expand is an
//! [`Expandable`] (an id or the object). Secrets never reach a log: [`Settings`] prints
//! them redacted and errors carry Stripe's message, never a request.

use serde::Deserialize;
use std::collections::HashMap;
use std::time::Duration;

/// Stripe's API, without `/v1`.
pub const API_BASE: &str = "https://api.stripe.com";
/// Stripe.js, which the card form loads.
pub const JS_URL: &str = "https://js.stripe.com/v3/";
const TIMEOUT: Duration = Duration::from_secs(20);

/// How this server reaches Stripe.
#[derive(Clone)]
pub struct Settings {
    pub secret_key: String,
    pub publishable_key: String,
    /// Signs the events Stripe sends to `POST /webhooks/stripe`.
    pub webhook_secret: String,
    pub api_base: String,
    pub js_url: String,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("secret_key", &"[redacted]")
            .field("publishable_key", &self.publishable_key)
            .field("webhook_secret", &"[redacted]")
            .field("api_base", &self.api_base)
            .field("js_url", &self.js_url)
            .finish()
    }
}

impl Settings {
    /// The origins the card form's page must allow (Content-Security-Policy): where Stripe.js
    /// comes from (it also frames its fields from there), and where it calls.
    pub fn origins(&self) -> (String, String) {
        (origin(&self.js_url), origin(&self.api_base))
    }
}

fn origin(url: &str) -> String {
    url::Url::parse(url).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
}

/// A field Stripe gives as an id, or as the object when asked to expand it.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Expandable {
    Id(String),
    Object { id: String },
}

impl Expandable {
    pub fn id(&self) -> &str {
        match self {
            Expandable::Id(id) | Expandable::Object { id } => id,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Customer {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SetupIntent {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub customer: Option<Expandable>,
    #[serde(default)]
    pub payment_method: Option<Expandable>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    #[serde(default)]
    pub last_payment_error: Option<ApiError>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub payment_intent: Option<Box<PaymentIntent>>,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    error: ApiError,
}

/// Why a call to Stripe did not give what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// Stripe answered, and said no: a declined card (402) or a request it refused.
    #[error("Stripe refused ({status}): {}", .error.message.as_deref().unwrap_or("no message"))]
    Refused { status: u16, error: ApiError },
    /// No answer, or one that could not be read: the outcome is unknown, try again later.
    #[error("Stripe could not be reached: {0}")]
    Unreachable(String),
}

/// Calls Stripe on the server's behalf.
#[derive(Debug, Clone)]
pub struct Stripe {
    client: reqwest::Client,
    pub settings: Settings,
}

type Form<'a> = Vec<(&'a str, String)>;

impl Stripe {
    pub fn new(settings: Settings) -> anyhow::Result<Stripe> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("tribefund/1")
            .build()?;
        Ok(Stripe { client, settings })
    }

    /// A customer for one pledge, so its card can be charged later without the backer.
    pub async fn create_customer(&self, name: &str, pledge: &str) -> Result<Customer, StripeError> {
        let form = vec![("name", name.to_owned()), ("metadata[pledge]", pledge.to_owned())];
        self.post("/v1/customers", &form, Some(&format!("customer-{pledge}"))).await
    }

    /// Saves a card for charging later (`usage=off_session`), for pledge `pledge`; `attempt`
    /// counts the backer's tries, so a fixed card gets a fresh intent.
    pub async fn create_setup_intent(
        &self,
        customer: &str,
        pledge: &str,
        attempt: i64,
    ) -> Result<SetupIntent, StripeError> {
        let form = vec![
            ("customer", customer.to_owned()),
            ("usage", "off_session".to_owned()),
            ("payment_method_types[]", "card".to_owned()),
            ("metadata[pledge]", pledge.to_owned()),
        ];
        self.post("/v1/setup_intents", &form, Some(&format!("setup-{pledge}-{attempt}"))).await
    }

    pub async fn setup_intent(&self, id: &str) -> Result<SetupIntent, StripeError> {
        self.get(&format!("/v1/setup_intents/{}", path_part(id)?)).await
    }

    pub async fn payment_intent(&self, id: &str) -> Result<PaymentIntent, StripeError> {
        self.get(&format!("/v1/payment_intents/{}", path_part(id)?)).await
    }

    /// Charges a saved card without the backer (`confirm=true`, `off_session=true`). The
    /// key makes a retry after a lost answer the same charge at Stripe.
    pub async fn charge(
        &self,
        charge: &Charge<'_>,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, StripeError> {
        let form = vec![
            ("amount", charge.amount.to_string()),
            ("currency", charge.currency.to_ascii_lowercase()),
            ("customer", charge.customer.to_owned()),
            ("payment_method", charge.payment_method.to_owned()),
            ("payment_method_types[]", "card".to_owned()),
            ("confirm", "true".to_owned()),
            ("off_session", "true".to_owned()),
            ("metadata[pledge]", charge.pledge.to_owned()),
        ];
        self.post("/v1/payment_intents", &form, Some(idempotency_key)).await
    }

    /// Gives a charge's money back, all of it.
    pub async fn refund(&self, payment_intent: &str, pledge: &str) -> Result<(), StripeError> {
        let form =
            vec![("payment_intent", payment_intent.to_owned()), ("metadata[pledge]", pledge.to_owned())];
        let _: serde_json::Value = self.post("/v1/refunds", &form, Some(&format!("refund-{pledge}"))).await?;
        Ok(())
    }

    /// Lets go of a card saved for a pledge that will never be charged.
    pub async fn detach(&self, payment_method: &str) -> Result<(), StripeError> {
        let path = format!("/v1/payment_methods/{}/detach", path_part(payment_method)?);
        let _: serde_json::Value = self.post(&path, &Vec::new(), None).await?;
        Ok(())
    }

    /// Calls off an intent whose card was never saved, so it cannot be confirmed later.
    pub async fn cancel_setup_intent(&self, id: &str) -> Result<(), StripeError> {
        let path = format!("/v1/setup_intents/{}/cancel", path_part(id)?);
        let _: serde_json::Value = self.post(&path, &Vec::new(), None).await?;
        Ok(())
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        form: &Form<'_>,
        idempotency_key: Option<&str>,
    ) -> Result<T, StripeError> {
        let mut request = self
            .client
            .post(format!("{}{path}", self.settings.api_base))
            .bearer_auth(&self.settings.secret_key)
            .form(form);
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }
        read(request.send().await).await
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T, StripeError> {
        let request = self
            .client
            .get(format!("{}{path}", self.settings.api_base))
            .bearer_auth(&self.settings.secret_key);
        read(request.send().await).await
    }
}

/// What one off-session charge takes.
#[derive(Debug)]
pub struct Charge<'a> {
    pub pledge: &'a str,
    pub amount: i64,
    pub currency: &'a str,
    pub customer: &'a str,
    pub payment_method: &'a str,
}

/// An id as one path segment: Stripe's ids are letters, digits and `_`.
fn path_part(id: &str) -> Result<&str, StripeError> {
    if !id.is_empty() && id.len() <= 255 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(id)
    } else {
        Err(StripeError::Refused {
            status: 400,
            error: ApiError { message: Some("not a Stripe id".into()), ..ApiError::default() },
        })
    }
}

async fn read<T: serde::de::DeserializeOwned>(
    sent: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, StripeError> {
    // reqwest's errors name the URL, never the key or the form.
    let response = sent.map_err(|e| StripeError::Unreachable(e.without_url().to_string()))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| StripeError::Unreachable(e.without_url().to_string()))?;
    if status.is_success() {
        return serde_json::from_slice(&body)
            .map_err(|e| StripeError::Unreachable(format!("an answer that could not be read: {e}")));
    }
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(StripeError::Unreachable(format!("Stripe answered {status}")));
    }
    let error = serde_json::from_slice::<ErrorBody>(&body).map(|b| b.error).unwrap_or_default();
    Err(StripeError::Refused { status: status.as_u16(), error })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expandable_field_reads_as_an_id_or_an_object() {
        let id: SetupIntent = serde_json::from_str(
            r#"{"id":"seti_1","status":"succeeded","payment_method":"pm_1","extra":[1]}"#,
        )
        .unwrap();
        assert_eq!(id.payment_method.unwrap().id(), "pm_1");
        let object: SetupIntent = serde_json::from_str(
            r#"{"id":"seti_1","status":"succeeded","payment_method":{"id":"pm_2","card":{"last4":"4242"}},"customer":null}"#,
        )
        .unwrap();
        assert_eq!(object.payment_method.unwrap().id(), "pm_2");
        assert!(object.customer.is_none());
    }

    #[test]
    fn settings_print_their_secrets_redacted_and_name_only_origins() {
        let settings = Settings {
            secret_key: "sk_test_secret".into(),
            publishable_key: "pk_test_public".into(),
            webhook_secret: "whsec_secret".into(),
            api_base: API_BASE.into(),
            js_url: JS_URL.into(),
        };
        let printed = format!("{settings:?}");
        assert!(!printed.contains("sk_test_secret") && !printed.contains("whsec_secret"), "{printed}");
        assert!(printed.contains("pk_test_public"));
        assert_eq!(settings.origins(), ("https://js.stripe.com".into(), "https://api.stripe.com".into()));
    }

    #[test]
    fn ids_that_are_not_stripe_ids_never_reach_a_path() {
        assert!(path_part("seti_123abc").is_ok());
        for bad in ["", "../v1/customers", "seti_1?expand=x", "seti 1"] {
            assert!(path_part(bad).is_err(), "{bad}");
        }
    }
}
