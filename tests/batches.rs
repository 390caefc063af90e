//! Print batches end to end: the real `madoguchi batch` commands on synthetic data
//! (`cli`), and the CUPS adapter against a real CUPS server with a PDF-direct queue and a
//! cups-pdf queue (`cups`), and the forms' pages against reference images (`images`).

#[path = "batches/cli.rs"]
mod cli;
#[path = "batches/cups.rs"]
mod cups;
#[path = "batches/cups_server.rs"]
mod cups_server;
#[path = "batches/images.rs"]
mod images;
