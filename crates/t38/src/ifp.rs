//! IFP packets (T.38 Annex A): what one T.38 packet says — a T.30 indicator (a tone, a modem
//! training, silence) or T.30 data (HDLC frame pieces, non-ECM image data) — and its ASN.1
//! aligned-PER coding exactly as SpanDSP writes and reads it, for T.38 versions 0–3.
//!
//! Version 0 is the 1998 ASN.1 (field types without an extension bit); every version ≥ 1 uses
//! the 2002 corrigendum coding. Versions above 3 are coded like 1–3, as SpanDSP does.
//!
//! Encoding follows SpanDSP: every field starts on an octet boundary. Strict PER would start the
//! field after a data-less field mid-octet, so the two codings agree only when a data-less field
//! is last; [`Ifp::encode`] therefore refuses a data-less field anywhere but last
//! ([`IfpEncodeError::EmptyFieldNotLast`]). Decoding ([`IfpRef::decode`]) accepts both forms,
//! preferring SpanDSP's when bytes are valid in both, and tolerates trailing zero octets (FEC
//! repair pads rebuilt packets with them).
//!
//! Limits: at most [`MAX_FIELDS`] fields per packet and [`MAX_FIELD_DATA`] octets per field; a
//! field count in PER fragments (`0xC0 | m`) is rejected.

#![warn(missing_docs)]

mod decode;
mod kinds;
#[cfg(test)]
mod tests;

use std::fmt;

pub use decode::{DataFieldRef, Fields, IfpRef};
pub use kinds::{DataType, FieldType, Indicator};

/// Most fields one IFP may carry (encode and decode). Real peers send one or two (data plus an
/// end-of-frame marker); 64 leaves ample room while bounding the work per packet.
pub const MAX_FIELDS: usize = 64;

/// Most octets in one field's data (`OCTET STRING (SIZE (1..65535))`).
pub const MAX_FIELD_DATA: usize = 65535;

/// The first T.38 version with the corrected (extensible) field-type coding and the V.34/V.33
/// extension values.
pub(crate) const FIRST_2002_VERSION: u8 = 1;

/// One data field of a data IFP. Empty `data` means the field has no field-data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataField {
    /// What the field carries.
    pub field_type: FieldType,
    /// Its octets (empty: field-data absent).
    pub data: Vec<u8>,
}

/// One IFP packet (owned). [`IfpRef`] is the borrowing, allocation-free form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ifp {
    /// A T.30 indicator.
    Indicator(Indicator),
    /// T.30 data at a modulation and rate. No fields means the data-field is absent.
    Data {
        /// Modulation and rate.
        data_type: DataType,
        /// The fields, in order.
        fields: Vec<DataField>,
    },
}

/// Which element of an IFP an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// The `t30-indicator` choice.
    Indicator,
    /// The `t30-data` choice.
    DataType,
    /// A field's `field-type`.
    FieldType,
}

impl fmt::Display for Element {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Element::Indicator => "indicator",
            Element::DataType => "data type",
            Element::FieldType => "field type",
        })
    }
}

/// Why bytes are not a valid IFP. Field numbers in messages count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IfpError {
    /// Zero octets.
    #[error("IFP is empty")]
    Empty,
    /// An extension indicator or data type needs a second octet that is missing.
    #[error("IFP truncated: the extended {0} needs a second octet")]
    TruncatedType(Element),
    /// The field count is missing or cut short.
    #[error("IFP truncated: the data field has no complete field count")]
    TruncatedCount,
    /// Fewer fields than the count declares.
    #[error("IFP truncated: field {field} of {count} is missing")]
    MissingField {
        /// Which field (from 1).
        field: usize,
        /// How many the packet declares.
        count: usize,
    },
    /// A field's two-octet length is cut short.
    #[error("IFP truncated: field {field} has no room for its length")]
    TruncatedFieldLength {
        /// Which field (from 1).
        field: usize,
    },
    /// A field declares more octets than the packet holds.
    #[error("IFP truncated: field {field} declares {declared} octets, {remaining} remain")]
    TruncatedFieldData {
        /// Which field (from 1).
        field: usize,
        /// Declared length.
        declared: usize,
        /// Octets left in the packet.
        remaining: usize,
    },
    /// An indicator with the data-field-present bit set.
    #[error("indicator packet carries a data field (octet 0 is {0:#04x})")]
    IndicatorWithDataField(u8),
    /// A root data-type index beyond V.17 14400 (9–15).
    #[error("unknown data type {0} (root values are 0-8)")]
    UnknownDataType(u8),
    /// An extension value this implementation (and T.38 up to version 3) does not define.
    #[error("unknown {element} extension value {value}")]
    UnknownExtension {
        /// What was extended.
        element: Element,
        /// The extension index (0 = first extension value).
        value: u8,
    },
    /// An extension value in a version-0 packet, whose ASN.1 has none.
    #[error("{0} extension values do not exist in T.38 version 0 (is the peer using version 1 or later?)")]
    ExtensionInVersion0(Element),
    /// The "normally small number" escape for extension values of 64 and more.
    #[error("{0} uses a large extension value (64 or more), which T.38 does not define")]
    LargeExtension(Element),
    /// The field count uses PER fragmentation.
    #[error("field count is fragmented (0xC0|m), which T.38 packets never need")]
    FragmentedCount,
    /// More fields than [`MAX_FIELDS`].
    #[error("IFP declares {count} fields; at most {max} are accepted")]
    TooManyFields {
        /// Declared count.
        count: usize,
        /// [`MAX_FIELDS`].
        max: usize,
    },
    /// A field declares 65536 octets, one more than the ASN.1 allows.
    #[error("field {field} declares 65536 octets; at most 65535 are allowed")]
    FieldTooLong {
        /// Which field (from 1).
        field: usize,
    },
    /// Non-zero padding bits after a field type in a packet that is valid in neither form.
    #[error("field {field} has non-zero padding bits after its type")]
    NonZeroPadding {
        /// Which field (from 1).
        field: usize,
    },
    /// Non-zero octets after the last field (trailing zero octets are accepted).
    #[error("{0} unexpected octet(s) after the end of the IFP")]
    TrailingOctets(usize),
}

/// Why an IFP cannot be encoded. Field numbers count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IfpEncodeError {
    /// An extension value cannot be sent in T.38 version 0.
    #[error("{0} exists only in T.38 version 1 and later; it cannot be sent in version 0")]
    ExtensionInVersion0(&'static str),
    /// A data-less field before the last: SpanDSP and strict PER disagree on its coding.
    #[error(
        "field {field} of {count} has no data; only the last field may be data-less \
         (SpanDSP and strict PER code such packets differently)"
    )]
    EmptyFieldNotLast {
        /// Which field (from 1).
        field: usize,
        /// How many fields the packet has.
        count: usize,
    },
    /// More fields than [`MAX_FIELDS`].
    #[error("IFP has {count} fields; at most {max} can be sent")]
    TooManyFields {
        /// Number of fields.
        count: usize,
        /// [`MAX_FIELDS`].
        max: usize,
    },
    /// A field with more than [`MAX_FIELD_DATA`] octets.
    #[error("field {field} carries {len} octets; at most 65535 fit in one field")]
    FieldTooLong {
        /// Which field (from 1).
        field: usize,
        /// Its length.
        len: usize,
    },
}

impl DataField {
    /// A field with data (empty `data` makes it data-less).
    pub fn new(field_type: FieldType, data: impl Into<Vec<u8>>) -> Self {
        DataField { field_type, data: data.into() }
    }

    /// A data-less field (`hdlc-fcs-OK`, `t4-non-ecm-sig-end`, ...).
    pub fn empty(field_type: FieldType) -> Self {
        DataField { field_type, data: Vec::new() }
    }

    /// The borrowed form.
    pub fn as_field_ref(&self) -> DataFieldRef<'_> {
        DataFieldRef { field_type: self.field_type, data: &self.data }
    }
}

impl Ifp {
    /// A data IFP with a single field.
    pub fn data(data_type: DataType, field_type: FieldType, data: impl Into<Vec<u8>>) -> Self {
        Ifp::Data { data_type, fields: vec![DataField::new(field_type, data)] }
    }

    /// Appends the packet's coding for T.38 `version` to `out` (SpanDSP's layout: each field
    /// octet-aligned). On error nothing is appended.
    pub fn encode(&self, version: u8, out: &mut Vec<u8>) -> Result<(), IfpEncodeError> {
        match self {
            Ifp::Indicator(indicator) => encode_indicator(*indicator, version, out),
            Ifp::Data { data_type, fields } => {
                encode_fields(*data_type, fields.iter().map(DataField::as_field_ref), version, out)
            }
        }
    }

    /// The packet's coding for T.38 `version` as a new vector.
    pub fn to_bytes(&self, version: u8) -> Result<Vec<u8>, IfpEncodeError> {
        let mut out = Vec::new();
        self.encode(version, &mut out)?;
        Ok(out)
    }

    /// Decodes one IFP received under T.38 `version` (see [`IfpRef::decode`] for what is
    /// accepted).
    pub fn decode(bytes: &[u8], version: u8) -> Result<Ifp, IfpError> {
        IfpRef::decode(bytes, version).map(|ifp| ifp.to_ifp())
    }
}

/// Appends an indicator IFP's coding for T.38 `version` to `out`.
pub fn encode_indicator(indicator: Indicator, version: u8, out: &mut Vec<u8>) -> Result<(), IfpEncodeError> {
    let code = indicator.code();
    if !indicator.is_extension() {
        out.push(code << 1);
    } else if version >= FIRST_2002_VERSION {
        let e = code - 16;
        out.extend_from_slice(&[0x20 | (e >> 2), (e & 3) << 6]);
    } else {
        return Err(IfpEncodeError::ExtensionInVersion0(indicator.name()));
    }
    Ok(())
}

/// Appends a data IFP's coding for T.38 `version` to `out`; no fields means no data-field.
/// On error nothing is appended.
pub fn encode_data(
    data_type: DataType,
    fields: &[DataFieldRef<'_>],
    version: u8,
    out: &mut Vec<u8>,
) -> Result<(), IfpEncodeError> {
    encode_fields(data_type, fields.iter().copied(), version, out)
}

fn encode_fields<'a, I>(data_type: DataType, fields: I, version: u8, out: &mut Vec<u8>) -> Result<(), IfpEncodeError>
where
    I: ExactSizeIterator<Item = DataFieldRef<'a>> + Clone,
{
    let wide = version >= FIRST_2002_VERSION;
    let count = fields.len();
    if count > MAX_FIELDS {
        return Err(IfpEncodeError::TooManyFields { count, max: MAX_FIELDS });
    }
    if data_type.is_extension() && !wide {
        return Err(IfpEncodeError::ExtensionInVersion0(data_type.name()));
    }
    for (i, field) in fields.clone().enumerate() {
        if field.field_type.is_extension() && !wide {
            return Err(IfpEncodeError::ExtensionInVersion0(field.field_type.name()));
        }
        if field.data.len() > MAX_FIELD_DATA {
            return Err(IfpEncodeError::FieldTooLong { field: i + 1, len: field.data.len() });
        }
        if field.data.is_empty() && i + 1 < count {
            return Err(IfpEncodeError::EmptyFieldNotLast { field: i + 1, count });
        }
    }

    let present = if count > 0 { 0x80 } else { 0x00 };
    let code = data_type.code();
    if data_type.is_extension() {
        let e = code - 9;
        out.extend_from_slice(&[present | 0x60 | (e >> 2), (e & 3) << 6]);
    } else {
        out.push(present | 0x40 | (code << 1));
    }
    if count == 0 {
        return Ok(());
    }
    crate::per::put_length(out, count);
    for field in fields {
        let has_data = u8::from(!field.data.is_empty()) << 7;
        let code = field.field_type.code();
        if !wide {
            out.push(has_data | (code << 4));
        } else if field.field_type.is_extension() {
            // SpanDSP's layout: the 6-bit extension index sits in b3..b0 and the next octet's b7..b6.
            let e = code - 8;
            out.extend_from_slice(&[has_data | 0x40 | (e >> 2), (e & 3) << 6]);
        } else {
            out.push(has_data | (code << 3));
        }
        if !field.data.is_empty() {
            out.extend_from_slice(&((field.data.len() - 1) as u16).to_be_bytes());
            out.extend_from_slice(field.data);
        }
    }
    Ok(())
}
