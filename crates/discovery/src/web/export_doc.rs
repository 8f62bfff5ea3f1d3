//! How an export's answer is documented in the OpenAPI document: the same file in the three
//! formats a caller picks with `format` (CSV and XLSX as bytes, JSON as an array of row objects).

use utoipa::ToSchema;

/// An exported file's bytes (CSV text or an XLSX workbook).
#[derive(ToSchema)]
#[schema(as = DiscoveryExportFile, value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct ExportFile(Vec<u8>);

/// An export in JSON: one object per row, the columns as its fields.
#[derive(ToSchema)]
#[schema(as = DiscoveryExportRows, value_type = Vec<Object>)]
#[allow(dead_code)]
pub struct ExportRows(Vec<serde_json::Value>);
