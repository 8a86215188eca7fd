//! Field specs: where in which kinds a transformer writes (the builtin defaults
//! and user `configurations`), and walking an object along them.
