//! koe's integration tests: ONE test binary (each binary links ~130 MB of
//! dictionaries), with one module per area under `tests/suite/`.

mod suite;
