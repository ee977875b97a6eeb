//! The explorer (terminal UI). Map:
//! - `action`: everything that can happen; `app`: the state and `update(Action)`; `data`: what each view
//!   shows, computed from the in-memory model.
//! - `keys`: the command registry (keys, help, footer hints); `theme`: dark, light, mono.
//! - `render`: drawing from `&App`; `worker`: the thread that owns SQLite; `warm`: views memoised in the
//!   model and computed ahead of the keys; `background`: those threads' lower priority; `event_loop`: the loop, generic
//!   over the ratatui `Backend` so that tests drive the whole app on a `TestBackend`.

pub mod action;
pub mod app;
mod background;
pub mod data;
pub mod event_loop;
pub mod keys;
pub mod render;
pub mod theme;
pub mod warm;
pub mod worker;

pub use action::{Action, View};
pub use app::App;
pub use event_loop::{Event, run};
