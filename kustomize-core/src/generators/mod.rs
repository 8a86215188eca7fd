//! ConfigMap and Secret generators and the content-hash name suffix.
