//! Browser tests: headless Chromium drives the real binary's router. They run when
//! `GROWTHDECK_TEST_CHROMEDRIVER` names a chromedriver (`.ci/run` installs Debian's `chromium` +
//! `chromium-driver` and sets it); otherwise each says so and passes without a browser.
//! One module per journey; the harness is in `support`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod billing;
mod customer;
mod home;
mod instagram_data;
mod instagram_pages;
mod shell;
mod staff;
mod support;
