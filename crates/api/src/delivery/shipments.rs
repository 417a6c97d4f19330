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
pub const CHUNK: u32 = 1_000;

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

/// Rows of a CSV import, each named by its line; the header must name `reference`,
/// `carrier` and `tracking_number` (`items` is read when present, other columns ignored:
/// the packing list itself, with two columns filled in, is a valid import).
pub fn read_csv(text: &str) -> Result<Vec<(String, ShipmentInput)>, Error> {
    let mut records = csv::records(text).into_iter();
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
    let rows: Vec<_> = records
        .filter(|(_, record)| !(at(record, carrier).is_empty() && at(record, number).is_empty()))
        .map(|(line, record)| {
            let row = ShipmentInput {
                reference: at(&record, reference),
                carrier: at(&record, carrier),
                tracking_number: at(&record, number),
                items: items.map(|i| at(&record, i)).unwrap_or_default(),
            };
            (format!("line {line}"), row)
        })
        .collect();
    Ok(rows)
}

/// Rows of a JSON import, each named by its index.
pub fn read_json(rows: Vec<ShipmentInput>) -> Vec<(String, ShipmentInput)> {
    rows.into_iter().enumerate().map(|(i, row)| (format!("[{i}]"), row)).collect()
}

/// Checks every row, then records them all in one transaction at `now`.
pub async fn import(
    store: &Store,
    campaign: &str,
    rows: Vec<(String, ShipmentInput)>,
    now: Timestamp,
) -> Result<ShipmentsImported, Error> {
    let parcels = check(store, campaign, rows).await?;
    let shipped = store.record_shipments(campaign, &parcels, now).await?;
    Ok(ShipmentsImported { shipped: shipped as u32, unchanged: (parcels.len() - shipped) as u32 })
}

/// The parcels `rows` describe, each checked (a live pledge of `campaign`, a carrier, a
/// tracking number), the same parcel named twice kept once; or every bad row.
pub async fn check(
    store: &Store,
    campaign: &str,
    rows: Vec<(String, ShipmentInput)>,
) -> Result<Vec<NewShipment>, Error> {
    if rows.len() > MAX_ROWS {
        return Err(Error::Malformed(format!("An import holds at most {MAX_ROWS} rows.")));
    }
    let mut errors = FieldErrors::new();
    let mut parcels = Vec::with_capacity(rows.len());
    let references: Vec<String> = rows
        .iter()
        .map(|(_, r)| r.reference.trim().to_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let live: BTreeSet<String> = store.live_pledges_among(campaign, &references).await?.into_iter().collect();
    for (at, row) in rows {
        if errors.iter().count() >= MAX_NAMED {
            break;
        }
        let reference = row.reference.trim().to_owned();
        if !live.contains(&reference) {
            errors.add(format!("{at}.reference"), FieldError::UnknownReference);
        }
        let carrier = errors.check(&format!("{at}.carrier"), clean(&row.carrier, 40, true, false));
        let number = row.tracking_number.trim().to_owned();
        if number.is_empty()
            || number.len() > 40
            || !number.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            errors.add(format!("{at}.tracking_number"), FieldError::InvalidTrackingNumber);
        }
        let items = errors.check(&format!("{at}.items"), clean(&row.items, 200, false, false));
        if let (Some(carrier), Some(items)) = (carrier, items) {
            parcels.push(NewShipment { pledge: reference, carrier, tracking_number: number, items });
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let key = |p: &NewShipment| (p.pledge.clone(), p.carrier.clone(), p.tracking_number.clone());
    let mut seen = BTreeSet::new();
    parcels.retain(|p| seen.insert(key(p)));
    Ok(parcels)
}

/// One line per SKU of the rewards that ship: units, pledges, and how far they are.
pub async fn summary(store: &Store, campaign: &Campaign) -> Result<Vec<SkuSummary>, Error> {
    let id = campaign.id().to_string();
    let mut by_sku: BTreeMap<String, SkuSummary> = BTreeMap::new();
    let mut after = String::new();
    loop {
        let chunk = store.packing_after(&id, &after, CHUNK).await?;
        for row in &chunk {
            let ships =
                row.tier_id.as_deref().and_then(|t| campaign.tier(t)).is_some_and(|t| t.shipping().ships());
            if !ships {
                continue;
            }
            let sku = sku_of(row);
            let line = by_sku.entry(sku.clone()).or_insert_with(|| SkuSummary { sku, ..Default::default() });
            line.quantity += row.quantity as u32;
            line.pledges += 1;
            match (row.parcels > 0, row.address.is_some()) {
                (true, _) => line.shipped += 1,
                (false, true) => line.ready += 1,
                (false, false) => line.awaiting_survey += 1,
            }
        }
        match chunk.last() {
            Some(last) if chunk.len() == CHUNK as usize => after = last.id.clone(),
            _ => break,
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
        let rows = read_csv(text).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, "line 2");
        assert_eq!(rows[0].1.tracking_number, "SF123");
        assert!(matches!(read_csv("a,b\r\n1,2"), Err(Error::Malformed(_))));
    }
}
