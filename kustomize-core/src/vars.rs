//! TEMP shim until the vars branch lands.
#![allow(missing_docs)]
#[derive(Debug, Clone)]
pub struct Var {
    pub name: String,
}
pub fn parse_vars(v: &[serde_json::Value]) -> Result<Vec<Var>, String> {
    if v.is_empty() {
        Ok(vec![])
    } else {
        Err("vars not merged".into())
    }
}
pub fn bind_vars(_r: &mut [crate::resource::Resource], _v: &[Var]) -> Result<(), String> {
    Ok(())
}
pub fn resolve_vars(
    _r: &mut [crate::resource::Resource],
    _v: &[Var],
    _s: &[crate::fieldspec::FieldSpec],
) -> Result<(), String> {
    Ok(())
}
