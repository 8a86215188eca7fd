//! Sprig v3's functions as Helm registers them (`sprig.TxtFuncMap()`).

mod case;
mod certs;
mod conv;
mod crypto;
pub(crate) mod dates;
mod dicts;
mod encoding;
mod lists;
mod math;
mod semver;
mod strings;

use crate::error::FuncError;
use crate::exec::Call;
use crate::func::{FuncMap, Function, Param};
use crate::value::Value;

type Res = Result<Value, FuncError>;

fn err(msg: impl Into<String>) -> FuncError {
    FuncError::new(msg)
}

/// Registration helper.
pub(crate) struct Reg(FuncMap);

impl Reg {
    fn add(
        &mut self,
        name: &str,
        params: &[Param],
        variadic: Option<Param>,
        f: fn(Vec<Value>) -> Res,
    ) {
        self.0
            .insert(name, Function::new(params, variadic, move |_, a| f(a)));
    }

    fn add_call(
        &mut self,
        name: &str,
        params: &[Param],
        variadic: Option<Param>,
        f: fn(&mut Call<'_>, Vec<Value>) -> Res,
    ) {
        self.0.insert(name, Function::new(params, variadic, f));
    }
}

/// Every Sprig function this crate provides (see [`FuncMap::sprig`]).
pub(crate) fn functions() -> FuncMap {
    let mut r = Reg(FuncMap::new());
    strings::register(&mut r);
    lists::register(&mut r);
    dicts::register(&mut r);
    math::register(&mut r);
    encoding::register(&mut r);
    dates::register(&mut r);
    crypto::register(&mut r);
    certs::register(&mut r);
    r.0
}
