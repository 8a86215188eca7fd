//! Go `text/template` with the Sprig function library, exact to Go's output
//! and errors. Pure: no I/O.
