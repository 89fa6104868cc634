//! Decoding IFPs without allocating: [`IfpRef`] borrows the packet and [`Fields`] walks its data
//! fields lazily, after one validating pass has checked the whole packet.
//!
//! Two field layouts exist in the wild (see the parent module): SpanDSP's, where every field
//! starts on an octet boundary, and strict aligned PER, where a field after a data-less one starts
//! mid-octet (5 bits per data-less field from version 1, 4 bits in version 0). Some byte strings
//! are valid in both with different meanings; SpanDSP's reading wins, and the packed reading is
//! tried only when SpanDSP's fails.

use std::fmt;

use super::{DataField, DataType, Element, FIRST_2002_VERSION, FieldType, Ifp, IfpError, Indicator, MAX_FIELDS};
use crate::ifp::{IfpEncodeError, MAX_FIELD_DATA};
use crate::per::{BitReader, LengthError};

/// One IFP packet, borrowed from the bytes it was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfpRef<'a> {
    /// A T.30 indicator.
    Indicator(Indicator),
    /// T.30 data; `fields` is empty when the data-field is absent.
    Data {
        /// Modulation and rate.
        data_type: DataType,
        /// The fields, decoded lazily (already validated).
        fields: Fields<'a>,
    },
}

/// One data field, borrowed. Empty `data` means the field has no field-data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataFieldRef<'a> {
    /// What the field carries.
    pub field_type: FieldType,
    /// Its octets (empty: field-data absent).
    pub data: &'a [u8],
}

/// The data fields of a validated IFP, yielded in order without allocating.
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    buf: &'a [u8],
    /// Bit position of the next field.
    bit: usize,
    /// Fields not yet yielded.
    remaining: usize,
    layout: Layout,
}

/// How fields are laid out: with the 2002 field-type coding (`wide`) or the 1998 one, and
/// bit-packed (strict PER) or octet-per-field (SpanDSP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Layout {
    wide: bool,
    packed: bool,
}

impl<'a> IfpRef<'a> {
    /// Decodes one IFP received under T.38 `version` (0: 1998 coding; ≥ 1: 2002 coding).
    ///
    /// Accepts SpanDSP's octet-per-field layout and strict PER bit-packing, a data packet
    /// without a data-field, and trailing zero octets. Rejects extension values in version 0,
    /// unknown values, indicators carrying a data-field, fragmented field counts, more than
    /// [`MAX_FIELDS`] fields and non-zero trailing octets. Never panics.
    pub fn decode(bytes: &'a [u8], version: u8) -> Result<Self, IfpError> {
        let wide = version >= FIRST_2002_VERSION;
        let first = *bytes.first().ok_or(IfpError::Empty)?;
        let mut r = BitReader::new(bytes);
        let has_data_field = read_bit(&mut r);
        let is_data = read_bit(&mut r);
        let element = if is_data { Element::DataType } else { Element::Indicator };
        let extended = read_bit(&mut r);
        let code = if extended {
            if !wide {
                return Err(IfpError::ExtensionInVersion0(element));
            }
            if read_bit(&mut r) {
                return Err(IfpError::LargeExtension(element));
            }
            let value = r.bits(6).ok_or(IfpError::TruncatedType(element))? as u8;
            let (base, all) = if is_data { (9, DataType::ALL.len()) } else { (16, Indicator::ALL.len()) };
            if usize::from(base + value) >= all {
                return Err(IfpError::UnknownExtension { element, value });
            }
            base + value
        } else {
            r.bits(4).unwrap_or(0) as u8
        };
        r.align();

        if !is_data {
            if has_data_field {
                return Err(IfpError::IndicatorWithDataField(first));
            }
            check_trailing(bytes, r.bit_pos())?;
            let indicator = Indicator::from_code(code).ok_or(IfpError::UnknownExtension { element, value: code })?;
            return Ok(IfpRef::Indicator(indicator));
        }
        // Root indices 9-15 are not the extension values 9-14: those come with the extension bit.
        let data_type = match DataType::from_code(code) {
            Some(d) if d.is_extension() == extended => d,
            _ => return Err(IfpError::UnknownDataType(code)),
        };
        if !has_data_field {
            check_trailing(bytes, r.bit_pos())?;
            let layout = Layout { wide, packed: false };
            return Ok(IfpRef::Data { data_type, fields: Fields { buf: bytes, bit: 0, remaining: 0, layout } });
        }
        let count = r.length().map_err(|e| match e {
            LengthError::Truncated => IfpError::TruncatedCount,
            LengthError::Fragmented => IfpError::FragmentedCount,
        })?;
        if count > MAX_FIELDS {
            return Err(IfpError::TooManyFields { count, max: MAX_FIELDS });
        }
        let start = r.bit_pos();
        let octet_form = Layout { wide, packed: false };
        let octet_error = match scan(bytes, start, count, octet_form) {
            Ok(()) => {
                let fields = Fields { buf: bytes, bit: start, remaining: count, layout: octet_form };
                return Ok(IfpRef::Data { data_type, fields });
            }
            Err(e) => e,
        };
        let packed_form = Layout { wide, packed: true };
        match scan(bytes, start, count, packed_form) {
            Ok(()) => {
                let fields = Fields { buf: bytes, bit: start, remaining: count, layout: packed_form };
                Ok(IfpRef::Data { data_type, fields })
            }
            // Non-zero padding is what a packed packet looks like in SpanDSP's layout, so the
            // packed reading's complaint is the more telling one.
            Err(packed_error) if matches!(octet_error, IfpError::NonZeroPadding { .. }) => Err(packed_error),
            Err(_) => Err(octet_error),
        }
    }

    /// The owned form.
    pub fn to_ifp(&self) -> Ifp {
        match *self {
            IfpRef::Indicator(indicator) => Ifp::Indicator(indicator),
            IfpRef::Data { data_type, fields } => Ifp::Data {
                data_type,
                fields: fields.map(|f| DataField { field_type: f.field_type, data: f.data.to_vec() }).collect(),
            },
        }
    }

    /// Appends the packet's coding for T.38 `version` (SpanDSP's layout) to `out`.
    pub fn encode(&self, version: u8, out: &mut Vec<u8>) -> Result<(), IfpEncodeError> {
        match *self {
            IfpRef::Indicator(indicator) => super::encode_indicator(indicator, version, out),
            IfpRef::Data { data_type, fields } => super::encode_fields(data_type, fields, version, out),
        }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = DataFieldRef<'a>;

    fn next(&mut self) -> Option<DataFieldRef<'a>> {
        if self.remaining == 0 {
            return None;
        }
        let mut r = BitReader::at(self.buf, self.bit);
        // Validated when the packet was decoded, so this cannot fail; stop quietly if it did.
        let field = parse_field(&mut r, 1, 1, self.layout).ok()?;
        self.bit = r.bit_pos();
        self.remaining -= 1;
        Some(field)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Fields<'_> {}

impl PartialEq for Fields<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && (*self).zip(*other).all(|(a, b)| a == b)
    }
}

impl Eq for Fields<'_> {}

impl fmt::Debug for Fields<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(*self).finish()
    }
}

/// Reads one bit of the first octet (which is known to exist).
fn read_bit(r: &mut BitReader<'_>) -> bool {
    r.bit().unwrap_or(false)
}

/// Walks `count` fields from bit `start`, then checks what follows the last one.
fn scan(bytes: &[u8], start: usize, count: usize, layout: Layout) -> Result<(), IfpError> {
    let mut r = BitReader::at(bytes, start);
    for field in 1..=count {
        parse_field(&mut r, field, count, layout)?;
    }
    check_trailing(bytes, r.bit_pos())
}

/// Accepts the end of a packet at bit `end` if only zero octets follow (the rest of a partly
/// used octet is padding).
fn check_trailing(bytes: &[u8], end: usize) -> Result<(), IfpError> {
    let rest = bytes.get(end.div_ceil(8)..).unwrap_or(&[]);
    if rest.iter().any(|&b| b != 0) { Err(IfpError::TrailingOctets(rest.len())) } else { Ok(()) }
}

/// Parses field number `field` (of `count`, both for messages) at the reader's position.
fn parse_field<'a>(
    r: &mut BitReader<'a>,
    field: usize,
    count: usize,
    layout: Layout,
) -> Result<DataFieldRef<'a>, IfpError> {
    let missing = || IfpError::MissingField { field, count };
    let has_data = r.bit().ok_or_else(missing)?;
    let field_type = if layout.wide && r.bit().ok_or_else(missing)? {
        // SpanDSP's layout for extension field types: two zero bits, then the 6-bit index.
        let high = r.bits(2).ok_or_else(missing)?;
        let low = r.bits(6).ok_or(IfpError::TruncatedType(Element::FieldType))?;
        if high & 2 != 0 {
            return Err(IfpError::LargeExtension(Element::FieldType));
        }
        let value = ((high << 6) | low) as u8;
        FieldType::from_code(8u8.saturating_add(value))
            .ok_or(IfpError::UnknownExtension { element: Element::FieldType, value })?
    } else {
        let code = r.bits(3).ok_or_else(missing)? as u8;
        FieldType::from_code(code).ok_or_else(missing)?
    };
    if has_data || !layout.packed {
        let pad = r.align();
        if pad != 0 && !layout.packed {
            return Err(IfpError::NonZeroPadding { field });
        }
    }
    if !has_data {
        return Ok(DataFieldRef { field_type, data: &[] });
    }
    let len = r.octets(2).ok_or(IfpError::TruncatedFieldLength { field })?;
    let declared = u16::from_be_bytes([len[0], len[1]]) as usize + 1;
    if declared > MAX_FIELD_DATA {
        return Err(IfpError::FieldTooLong { field });
    }
    let remaining = r.remaining_octets();
    let data = r.octets(declared).ok_or(IfpError::TruncatedFieldData { field, declared, remaining })?;
    Ok(DataFieldRef { field_type, data })
}

/// Whether `bytes` parse in SpanDSP's octet-per-field layout (for tests of the ambiguity).
#[cfg(test)]
pub(super) fn octet_form_parses(bytes: &[u8], version: u8) -> bool {
    match IfpRef::decode(bytes, version) {
        Ok(IfpRef::Data { fields, .. }) => !fields.layout.packed,
        Ok(IfpRef::Indicator(_)) => true,
        Err(_) => false,
    }
}
