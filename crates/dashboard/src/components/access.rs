//! Signing in with the site key, a one-time link, or a link mailed to the site's address,
//! and creating a site when the operator allows it: plain forms, no script needed. A one-time link's page only shows a button
//! that posts its token: following the link (or a mail scanner fetching it) signs nothing in.

use crate::text::text;
use widget::i18n::Lang;
use yew::prelude::*;

#[derive(Debug, Clone, PartialEq, Default, Properties, serde::Serialize, serde::Deserialize)]
pub struct SignUpProps {
    pub lang: Lang,
    /// What was typed, kept when the server refuses it.
    pub id: String,
    pub name: String,
    pub origins: String,
    pub error: Option<String>,
    /// The new site's key, shown this once.
    pub key: Option<String>,
    /// The owner's address, as typed (asked for while mail is on).
    #[serde(default)]
    pub email: String,
    /// Mail is on: the site is made once the link mailed to its owner is opened.
    #[serde(default)]
    pub mail: bool,
    /// What became of the ask (the link is on its way).
    #[serde(default)]
    pub notice: Option<String>,
    /// The token of a mailed sign-up link still to be used: the page is one button.
    #[serde(default)]
    pub link: Option<String>,
}

/// Creating a site (when the operator allows it): a plain form, then the key, once.
#[function_component]
pub fn SignUp(props: &SignUpProps) -> Html {
    let t = text(props.lang);
    if let Some(key) = &props.key {
        return html! {
            <div class="tfd tfd-sign-in">
                <h1>{ t.site_ready }</h1>
                <p>{ t.key_once }</p>
                <pre class="tfd-code" data-testid="key">{ key }</pre>
                <p><a href="/dashboard">{ t.to_dashboard }</a></p>
            </div>
        };
    }
    if let Some(token) = &props.link {
        return html! {
            <div class="tfd tfd-sign-in">
                <h1>{ t.sign_up }</h1>
                <form method="post" action="/dashboard/sign-up/confirm">
                    <input type="hidden" name="token" value={token.clone()} />
                    <p class="tfd-hint">{ t.signup_link_hint }</p>
                    <button type="submit" data-testid="confirm-sign-up">{ t.sign_up }</button>
                </form>
            </div>
        };
    }
    if let Some(notice) = &props.notice {
        return html! {
            <div class="tfd tfd-sign-in">
                <h1>{ t.sign_up }</h1>
                <p class="tfd-notice" role="status" data-testid="notice">{ notice }</p>
            </div>
        };
    }
    html! {
        <div class="tfd tfd-sign-in">
            <h1>{ t.sign_up }</h1>
            if let Some(error) = &props.error {
                <p class="tfd-error" role="alert" data-testid="error">{ error }</p>
            }
            <form method="post" action="/dashboard/sign-up">
                <label><span>{ t.site_name }</span><input name="name" value={props.name.clone()} required=true maxlength="80" /></label>
                <label><span>{ t.site_id }</span><input name="id" value={props.id.clone()} required=true maxlength="64" pattern="[a-z0-9-]+" /></label>
                <label><span>{ t.origins }</span><textarea name="origins" rows="3" required=true value={props.origins.clone()} /></label>
                <p class="tfd-hint">{ t.origins_hint }</p>
                if props.mail {
                    <label><span>{ t.email }</span><input type="email" name="email" value={props.email.clone()} autocomplete="email" required=true maxlength="254" /></label>
                    <p class="tfd-hint">{ t.signup_email_hint }</p>
                }
                <button type="submit">{ t.sign_up }</button>
            </form>
        </div>
    }
}

#[derive(Debug, Clone, PartialEq, Properties, serde::Serialize, serde::Deserialize)]
pub struct SignInProps {
    pub lang: Lang,
    /// Why the last attempt failed, in the reader's language.
    pub error: Option<String>,
    /// The token of a one-time sign-in link still to be used: the page is then one button
    /// that posts it.
    #[serde(default)]
    pub link: Option<String>,
    /// Mail is on: a link can be mailed to the site's address instead.
    #[serde(default)]
    pub mail: bool,
    /// What became of the last ask, in the reader's language (the same whatever the address).
    #[serde(default)]
    pub notice: Option<String>,
}

/// Signing in with the site key, or with the one-time link being followed: a plain form,
/// no script needed.
#[function_component]
pub fn SignIn(props: &SignInProps) -> Html {
    let t = text(props.lang);
    if let Some(token) = &props.link {
        return html! {
            <div class="tfd tfd-sign-in">
                <h1>{ t.link_sign_in }</h1>
                <form method="post" action="/dashboard/sign-in/link">
                    <input type="hidden" name="token" value={token.clone()} />
                    <input type="hidden" name="lang" value={props.lang.tag()} />
                    <p class="tfd-hint">{ t.link_hint }</p>
                    <button type="submit" data-testid="link-sign-in">{ t.sign_in }</button>
                </form>
            </div>
        };
    }
    html! {
        <div class="tfd tfd-sign-in">
            <h1>{ t.sign_in }</h1>
            if let Some(error) = &props.error {
                <p class="tfd-error" role="alert" data-testid="error">{ error }</p>
            }
            <form method="post" action="/dashboard/sign-in">
                <label>
                    <span>{ t.key }</span>
                    <input type="password" name="key" autocomplete="current-password" required=true />
                </label>
                <p class="tfd-hint">{ t.key_hint }</p>
                <button type="submit">{ t.sign_in }</button>
            </form>
            if props.mail {
                <h2>{ t.mail_link }</h2>
                if let Some(notice) = &props.notice {
                    <p class="tfd-notice" role="status" data-testid="notice">{ notice }</p>
                }
                <form method="post" action="/dashboard/sign-in/mail">
                    <input type="hidden" name="lang" value={props.lang.tag()} />
                    <label>
                        <span>{ t.email }</span>
                        <input type="email" name="email" autocomplete="email" required=true maxlength="254" />
                    </label>
                    <button type="submit" data-testid="mail-link">{ t.send_link }</button>
                </form>
            }
        </div>
    }
}
