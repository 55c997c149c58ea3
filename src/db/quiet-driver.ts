/**
 * Keeps the libSQL native driver's own log lines out of agor's output. While a replica's primary
 * is unreachable, the driver logs every failed attempt through Rust's `tracing`, to stdout (where
 * it would corrupt `--json` output), with timestamps and colours. It reads RUST_LOG once, when it
 * loads, so this module is imported before `@libsql/client`. Set RUST_LOG to see the lines.
 */
process.env.RUST_LOG ??= 'off'
