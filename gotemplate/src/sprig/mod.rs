//! Sprig v3's functions as Helm registers them (`sprig.TxtFuncMap()`).

pub(crate) mod dates;

use crate::func::FuncMap;

/// Every Sprig function this crate provides (see [`FuncMap::sprig`]).
pub(crate) fn functions() -> FuncMap {
    FuncMap::new()
}
