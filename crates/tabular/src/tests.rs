#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;

use chrono::TimeZone;

use super::*;

fn rows() -> Vec<Vec<Cell>> {
    vec![
        vec!["lea".into(), 1200i64.into(), 3.5f64.into()],
        vec![
            "=HYPERLINK(\"x\")".into(),
            Cell::Empty,
            Cell::Time(Utc.with_ymd_and_hms(2026, 12, 6, 10, 0, 0).unwrap()),
        ],
        // Short row: padded.
        vec!["tom".into()],
    ]
}

#[test]
fn csv_has_the_header_every_row_and_guards_formulas() {
    let mut out = Vec::new();
    let n = write(
        Format::Csv,
        &["username", "followers", "rate"],
        rows(),
        &mut out,
    )
    .unwrap();
    assert_eq!(n, 3);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        "username,followers,rate\nlea,1200,3.5\n\"'=HYPERLINK(\"\"x\"\")\",,2026-12-06T10:00:00Z\ntom,,\n"
    );
}

#[test]
fn json_is_an_array_of_objects_with_typed_values() {
    let mut out = Vec::new();
    write(
        Format::Json,
        &["username", "followers", "rate"],
        rows(),
        &mut out,
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v[0]["followers"], 1200);
    assert_eq!(v[0]["rate"], 3.5);
    assert_eq!(v[1]["followers"], serde_json::Value::Null);
    assert_eq!(v[1]["rate"], "2026-12-06T10:00:00Z");
    assert_eq!(v[2]["username"], "tom");
    assert_eq!(v.as_array().unwrap().len(), 3);
}

#[test]
fn json_of_no_rows_is_an_empty_array() {
    let mut out = Vec::new();
    write(Format::Json, &["a"], Vec::new(), &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v, serde_json::json!([]));
}

#[test]
fn xlsx_is_a_workbook_with_the_values_in_its_sheet() {
    let mut out = Vec::new();
    let n = write(
        Format::Xlsx,
        &["username", "followers", "rate"],
        rows(),
        &mut out,
    )
    .unwrap();
    assert_eq!(n, 3);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(out)).unwrap();
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    // Constant-memory mode writes strings inline.
    assert!(sheet.contains("username"), "{sheet}");
    assert!(sheet.contains("<v>1200</v>"), "{sheet}");
    assert!(sheet.contains("<v>3.5</v>"), "{sheet}");
    assert!(sheet.contains("tom"), "{sheet}");
    // Four rows: the header and three.
    assert_eq!(sheet.matches("<row ").count(), 4, "{sheet}");
}

#[test]
fn formats_parse_from_their_names() {
    for f in Format::ALL {
        assert_eq!(Format::parse(f.as_str()), Some(f));
    }
    assert_eq!(Format::parse("pdf"), None);
}
