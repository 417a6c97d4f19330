//! Shipping what was funded: the SKU each pledge stands for (its tier and options,
//! `lamp/colour=red`), the per-SKU summary the factory order is made from, and recording
//! parcels from the creator's file.
//!
//! An import is all or nothing: every row is checked first (a live pledge of this
//! campaign, a carrier, a tracking number), and one bad row refuses the whole file with
//! every bad row named (`line 3.reference` in a CSV, `[2].reference` in JSON). A parcel
//! already recorded (same pledge, carrier and number) is left as it is, so the same file
//! imported twice changes nothing the second time.

use super::csv;
use crate::error::Error;
use crate::store::Store;
use crate::store::shipments::{NewShipment, PackingRow};
use domain::text::clean;
use domain::wire::{ShipmentInput, ShipmentsImported, SkuSummary};
use domain::{Campaign, FieldError, FieldErrors, Timestamp};
use std::collections::{BTreeMap, BTreeSet};

/// The most rows one import may hold, and the most bad rows one refusal names.
pub const MAX_ROWS: usize = 200_000;
const MAX_NAMED: usize = 1_000;
/// Pledges read per chunk when a campaign's pledges are walked.
pub use super::walk::CHUNK;

/// The SKU of a pledge: its tier, then each option as `name=value` in name order.
pub fn sku(tier: Option<&str>, options: &BTreeMap<String, String>) -> String {
    let mut sku = tier.unwrap_or("-").to_owned();
    for (name, value) in options {
        sku.push_str(&format!("/{name}={value}"));
    }
    sku
}

/// The SKU of a stored pledge row.
pub fn sku_of(row: &PackingRow) -> String {
    let options: BTreeMap<String, String> = serde_json::from_str(&row.options).unwrap_or_default();
    sku(row.tier_id.as_deref(), &options)
}

/// Rows of a CSV import, each named by its line, read one at a time; the header must name
/// `reference`, `carrier` and `tracking_number` (`items` is read when present, other
/// columns ignored: the packing list itself, with two columns filled in, is a valid
/// import). Rows whose carrier and tracking number are both blank are skipped.
pub fn read_csv(text: &str) -> Result<impl Iterator<Item = (String, ShipmentInput)> + Send + '_, Error> {
    let mut records = csv::records(text);
    let (_, header) = records.next().ok_or_else(|| Error::Malformed("The file is empty.".into()))?;
    let column = |name: &str| header.iter().position(|h| csv::cell(h) == name);
    let (Some(reference), Some(carrier), Some(number)) =
        (column("reference"), column("carrier"), column("tracking_number"))
    else {
        return Err(Error::Malformed(
            "The CSV needs the columns reference, carrier and tracking_number.".into(),
        ));
    };
    let items = column("items");
    let at = |record: &[String], i: usize| record.get(i).map(|c| csv::cell(c).to_owned()).unwrap_or_default();
    Ok(records.filter_map(move |(line, record)| {
        let row = ShipmentInput {
            reference: at(&record, reference),
            carrier: at(&record, carrier),
            tracking_number: at(&record, number),
            items: items.map(|i| at(&record, i)).unwrap_or_default(),
        };
        let blank = row.carrier.is_empty() && row.tracking_number.is_empty();
        (!blank).then(|| (format!("line {line}"), row))
    }))
}

/// Rows of a JSON import, each named by its index.
pub fn read_json(rows: &[ShipmentInput]) -> impl Iterator<Item = (String, ShipmentInput)> + Send + '_ {
    rows.iter().enumerate().map(|(i, row)| (format!("[{i}]"), row.clone()))
}

/// Checks every row `rows()` gives, then records them all in one transaction at `now`.
/// The rows are read twice, a chunk at a time, so memory holds the file and a chunk.
pub async fn import<F, I>(
    store: &Store,
    campaign: &str,
    rows: F,
    now: Timestamp,
) -> Result<ShipmentsImported, Error>
where
    F: Fn() -> I,
    I: Iterator<Item = (String, ShipmentInput)> + Send,
{
    let total = check(store, campaign, rows()).await?;
    let shipped = store.record_shipments(campaign, rows().map(|(_, row)| parcel(row)), now).await?;
    Ok(ShipmentsImported { shipped: shipped as u32, unchanged: (total - shipped) as u32 })
}

/// Checks each row (a live pledge of `campaign`, a carrier, a tracking number), a chunk at
/// a time; how many there are, or every bad row (the first [`MAX_NAMED`]).
pub async fn check(
    store: &Store,
    campaign: &str,
    rows: impl Iterator<Item = (String, ShipmentInput)>,
) -> Result<usize, Error> {
    let (mut errors, mut named, mut total) = (FieldErrors::new(), 0, 0);
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let chunk: Vec<(String, ShipmentInput)> = rows.by_ref().take(CHECK_CHUNK).collect();
        total += chunk.len();
        if total > MAX_ROWS {
            return Err(Error::Malformed(format!("An import holds at most {MAX_ROWS} rows.")));
        }
        let references: Vec<String> = chunk.iter().map(|(_, r)| r.reference.trim().to_owned()).collect();
        let live: BTreeSet<String> =
            store.live_pledges_among(campaign, &references).await?.into_iter().collect();
        for (at, row) in &chunk {
            let mut bad = |field: &str, error: FieldError| {
                if named < MAX_NAMED {
                    errors.add(format!("{at}.{field}"), error);
                    named += 1;
                }
            };
            if !live.contains(row.reference.trim()) {
                bad("reference", FieldError::UnknownReference);
            }
            if let Err(e) = clean(&row.carrier, 40, true, false) {
                bad("carrier", e.into());
            }
            if !tracking_number(row.tracking_number.trim()) {
                bad("tracking_number", FieldError::InvalidTrackingNumber);
            }
            if let Err(e) = clean(&row.items, 200, false, false) {
                bad("items", e.into());
            }
        }
    }
    if errors.is_empty() { Ok(total) } else { Err(Error::Invalid(errors)) }
}

/// Rows read per query while checking.
const CHECK_CHUNK: usize = 500;

/// A row that passed [`check`], as the parcel it records.
pub fn parcel(row: ShipmentInput) -> NewShipment {
    let clean = |text: &str, max| clean(text, max, false, false).unwrap_or_default();
    NewShipment {
        pledge: row.reference.trim().to_owned(),
        carrier: clean(&row.carrier, 40),
        tracking_number: row.tracking_number.trim().to_owned(),
        items: clean(&row.items, 200),
    }
}

/// Whether `number` is a tracking number: 1 to 40 letters, digits and dashes.
fn tracking_number(number: &str) -> bool {
    !number.is_empty() && number.len() <= 40 && number.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// One line per SKU of the rewards that ship: units, pledges, and how far they are.
pub async fn summary(store: &Store, campaign: &std::sync::Arc<Campaign>) -> Result<Vec<SkuSummary>, Error> {
    let mut by_sku: BTreeMap<String, SkuSummary> = BTreeMap::new();
    let mut walk = super::walk::Walk::new(store, campaign);
    while let Some(chunk) = walk.next().await? {
        for seen in chunk.iter().filter(|s| s.ships) {
            let sku = sku_of(&seen.row);
            let line = by_sku.entry(sku.clone()).or_insert_with(|| SkuSummary { sku, ..Default::default() });
            line.quantity += seen.row.quantity as u32;
            line.pledges += 1;
            match (seen.row.parcels > 0, seen.survey == "complete") {
                (true, _) => line.shipped += 1,
                (false, true) => line.ready += 1,
                (false, false) => line.awaiting_survey += 1,
            }
        }
    }
    Ok(by_sku.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sku_is_the_tier_and_its_options_in_name_order() {
        let options =
            BTreeMap::from([("size".to_owned(), "L".to_owned()), ("colour".to_owned(), "red".to_owned())]);
        assert_eq!(sku(Some("lamp"), &options), "lamp/colour=red/size=L");
        assert_eq!(sku(None, &BTreeMap::new()), "-");
    }

    #[test]
    fn the_packing_list_with_two_columns_filled_in_reads_as_an_import_and_blank_rows_are_skipped() {
        let text = "\u{feff}reference,recipient,sku,carrier,tracking_number\r\n\
                    p1,\"Li, Mei\",lamp,SF,SF123\r\np2,Chan,lamp,,\r\n";
        let rows: Vec<_> = read_csv(text).unwrap().collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, "line 2");
        assert_eq!(rows[0].1.tracking_number, "SF123");
        assert!(matches!(read_csv("a,b\r\n1,2").map(|_| ()), Err(Error::Malformed(_))));
    }
}
