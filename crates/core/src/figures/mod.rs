//! **figures**: what the stacked layers cost. Our exact accounting of bytes
//! stored but not seen ([`waste`]), and dive 0.13.1's three figures,
//! reproduced bug for bug ([`dive`]); both counted layer by layer as the
//! analysis stacks them, over the interned paths.
//!
//! Must not touch: archives, layer bytes, or output formats. It reads the
//! `fs` model only; `analysis` feeds it.

pub mod dive;
pub mod waste;
