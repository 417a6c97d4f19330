//! tribefund's end-to-end tests, in one binary: the API over HTTP, the server-rendered
//! pages, and the widget in headless Chromium.

mod a11y;
mod abuse;
mod api;
mod backers;
mod browser;
mod c2b;
mod card_form;
mod cards;
mod cli;
mod covers;
mod creator;
mod creator_journey;
mod dashboard;
mod dashboard_pages;
mod durability;
mod editor;
mod events;
mod faults;
mod hardening;
mod light;
mod money;
mod openapi;
mod operations;
mod pages;
mod payment_qr;
mod payments;
mod replicas;
mod schema;
mod settlement;
mod support;
mod themes;
mod tribe;
mod twins;
mod unmade;
mod webhooks;
