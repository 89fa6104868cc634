//! Rules on values that need no server to check: T.30 identifiers, fax numbers, the lengths of
//! a FaxDoc's text fields, ranges, user names, passwords and token labels.
//! The server applies them authoritatively; clients may apply them early.

/// The longest T.30 identifier (TSI, CSI, CIG): 20 characters.
pub const MAX_IDENTIFIER_LEN: usize = 20;

/// The longest dial string accepted.
pub const MAX_FAX_NUMBER_LEN: usize = 64;

/// The longest one-line text of a FaxDoc (names, company, address, title, subject, billing
/// code …), in characters.
pub const MAX_TEXT_CHARS: usize = 256;

/// The longest phone number of a FaxDoc's recipient or sender (and the sender's fax number),
/// in characters: as long as a fax number may be.
pub const MAX_PHONE_CHARS: usize = MAX_FAX_NUMBER_LEN;

/// The longest cover page note, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;

/// The longest `email_address` (one address or several, separated by commas), in characters.
pub const MAX_EMAIL_CHARS: usize = 1024;

/// The longest search text (`q` of the job list and the inbox).
pub const MAX_SEARCH_LEN: usize = 100;

/// Checks a TSID or CSID: at most 20 characters of digits, space and `+` (T.30 §5.3.6.2.4).
pub fn identifier(field: &str, value: &str) -> Result<(), String> {
    let n = value.chars().count();
    if n > MAX_IDENTIFIER_LEN {
        return Err(format!("{field} is {n} characters long; T.30 allows at most {MAX_IDENTIFIER_LEN}"));
    }
    if let Some(c) = value.chars().find(|c| !(c.is_ascii_digit() || *c == ' ' || *c == '+')) {
        return Err(format!("{field} may hold only digits, space and `+`; `{c}` is not allowed"));
    }
    if n > 0 && value.trim().is_empty() {
        // The far end would show nothing: an identity of only spaces is no identity.
        return Err(format!("{field} is only spaces; leave it empty to send none"));
    }
    Ok(())
}

/// Checks the length of a text field: at most `max` characters (characters, not bytes).
pub fn text_length(field: &str, value: &str, max: usize) -> Result<(), String> {
    // Counting stops just past the limit: a megabyte of text costs no more than a short one.
    if value.chars().nth(max).is_none() {
        return Ok(());
    }
    let n = value.chars().count();
    Err(format!("{field} is {n} characters long; at most {max} are allowed"))
}

/// A value refused, with the field it is in, named as the API names it (`recipient_name`,
/// `recipients[1].fax_number`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub detail: String,
}

/// Checks a fax number as dialled: digits with optional leading `+`, the dial characters
/// `*`, `#` and `,` (pause), and the separators space, `-`, `.`, `(`, `)`; at least one digit.
pub fn fax_number(value: &str) -> Result<(), String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("fax_number is empty; every recipient needs a number".into());
    }
    if v.chars().count() > MAX_FAX_NUMBER_LEN {
        return Err(format!("fax_number is longer than {MAX_FAX_NUMBER_LEN} characters"));
    }
    for (i, c) in v.chars().enumerate() {
        let ok =
            c.is_ascii_digit() || matches!(c, '*' | '#' | ',' | ' ' | '-' | '.' | '(' | ')') || (c == '+' && i == 0);
        if !ok {
            return Err(format!(
                "fax_number `{v}` holds `{c}`; a number may hold digits, a leading +, * # , and the separators space - . ( )"
            ));
        }
    }
    if !v.chars().any(|c| c.is_ascii_digit()) {
        return Err(format!("fax_number `{v}` has no digits"));
    }
    Ok(())
}

/// The digits (and `+*#,`) a line dials for a number, separators removed.
pub fn dial_string(value: &str) -> String {
    value.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect()
}

/// Checks an integer against an inclusive range, naming the field.
pub fn range(field: &str, value: i64, min: i64, max: i64) -> Result<(), String> {
    if value < min || value > max {
        if max == i64::MAX {
            return Err(format!("{field} must be {min} or more, not {value}"));
        }
        return Err(format!("{field} must be between {min} and {max}, not {value}"));
    }
    Ok(())
}

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// The longest password accepted, in characters.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// The longest user name, in characters.
pub const MAX_USER_NAME_CHARS: usize = 64;

/// The longest label of an API token, in characters.
pub const MAX_TOKEN_LABEL_CHARS: usize = 64;

/// Checks a user name: 1–64 letters, digits, `.`, `_`, `-` or `@`.
pub fn user_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if n == 0 || n > MAX_USER_NAME_CHARS || !name.chars().all(|c| c.is_alphanumeric() || "._-@".contains(c)) {
        return Err(format!(
            "user name `{name}` is not allowed: use 1–{MAX_USER_NAME_CHARS} letters, digits, `.`, `_`, `-` or `@`"
        ));
    }
    Ok(())
}

/// Checks a new password for `user`: 8–256 characters (any, spaces included) and not the user
/// name itself. The error names the rule broken.
pub fn password(user: &str, password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(format!("the password must have at least {MIN_PASSWORD_CHARS} characters, not {n}"));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(format!("the password may have at most {MAX_PASSWORD_CHARS} characters, not {n}"));
    }
    if password == user {
        return Err("the password must not be the user name".into());
    }
    Ok(())
}

/// Checks the label of an API token: 1–64 characters, no control characters.
pub fn token_label(label: &str) -> Result<(), String> {
    let n = label.trim().chars().count();
    if n == 0 || label.chars().count() > MAX_TOKEN_LABEL_CHARS {
        return Err(format!("the token label must have 1–{MAX_TOKEN_LABEL_CHARS} characters"));
    }
    if label.chars().any(char::is_control) {
        return Err("the token label may not hold control characters".into());
    }
    Ok(())
}

/// Checks the search text of a list (`q`): at most [`MAX_SEARCH_LEN`] characters.
pub fn search(value: &str) -> Result<(), String> {
    let n = value.chars().count();
    if n > MAX_SEARCH_LEN {
        return Err(format!("the search text is {n} characters long; at most {MAX_SEARCH_LEN} are allowed"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_t30() {
        assert!(identifier("tsid", "+1 555 0100").is_ok());
        assert!(identifier("tsid", "").is_ok());
        assert!(identifier("tsid", "12345678901234567890").is_ok());
        let e = identifier("tsid", "123456789012345678901").unwrap_err();
        assert!(e.contains("21 characters"), "{e}");
        let e = identifier("csid", "   ").unwrap_err();
        assert!(e.contains("only spaces"), "{e}");
        let e = identifier("csid", "ACME").unwrap_err();
        assert!(e.contains("`A`"), "{e}");
    }

    #[test]
    fn text_lengths_count_characters() {
        assert!(text_length("recipient_name", "", MAX_TEXT_CHARS).is_ok());
        assert!(text_length("recipient_name", &"é".repeat(MAX_TEXT_CHARS), MAX_TEXT_CHARS).is_ok());
        let e = text_length("recipient_name", &"é".repeat(MAX_TEXT_CHARS + 1), MAX_TEXT_CHARS).unwrap_err();
        assert_eq!(e, "recipient_name is 257 characters long; at most 256 are allowed");
        let e = text_length("coverpage_note", &"x".repeat(1_000_000), MAX_NOTE_CHARS).unwrap_err();
        assert!(e.contains("1000000 characters"), "{e}");
    }

    #[test]
    fn fax_numbers() {
        for ok in ["100", "+1 (555) 010-0100", "9,,555*12#", "0049.30.123"] {
            assert!(fax_number(ok).is_ok(), "{ok}");
        }
        for bad in ["", "   ", "abc", "55+5", "+", "555 0100 x12"] {
            assert!(fax_number(bad).is_err(), "{bad}");
        }
        assert_eq!(dial_string("+1 (555) 010-0100"), "+15550100100");
    }

    #[test]
    fn ranges() {
        assert!(range("retries", -1, 0, i64::MAX).unwrap_err().contains("0 or more"));
        assert!(range("rings", 100, 1, 99).unwrap_err().contains("between 1 and 99"));
        assert!(range("rings", 99, 1, 99).is_ok());
    }

    #[test]
    fn passwords_need_8_to_256_characters_and_not_the_user_name() {
        assert!(password("alice", "correct horse").is_ok());
        assert!(password("alice", "12345678").is_ok(), "exactly 8 is enough");
        assert!(password("alice", &"x".repeat(256)).is_ok(), "exactly 256 is allowed");
        assert!(password("alice", "  spaces  ").is_ok(), "spaces count and are kept");
        let e = password("alice", "1234567").unwrap_err();
        assert!(e.contains("at least 8 characters, not 7"), "{e}");
        let e = password("alice", &"x".repeat(257)).unwrap_err();
        assert!(e.contains("at most 256 characters, not 257"), "{e}");
        // Characters, not bytes: eight umlauts are sixteen bytes but eight characters.
        assert!(password("alice", "ääääääää").is_ok());
        assert!(password("alice", "äääääää").is_err());
        let e = password("alice.smith", "alice.smith").unwrap_err();
        assert!(e.contains("must not be the user name"), "{e}");
        assert!(password("alice.smith", "Alice.Smith").is_ok(), "only the name itself is refused");
    }

    #[test]
    fn user_names_and_token_labels() {
        for ok in ["alice", "a", "bob.smith@example.com", "x_y-z", "jürgen"] {
            assert!(user_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "a/b", "a:b", &"a".repeat(65)] {
            assert!(user_name(bad).unwrap_err().contains("is not allowed"), "{bad}");
        }
        assert!(token_label("laptop").is_ok());
        assert!(token_label("").is_err());
        assert!(token_label("   ").is_err());
        assert!(token_label(&"l".repeat(65)).is_err());
        assert!(token_label("a\nb").unwrap_err().contains("control"));
    }

    #[test]
    fn search_texts() {
        assert!(search(&"é".repeat(MAX_SEARCH_LEN)).is_ok());
        assert!(search(&"x".repeat(MAX_SEARCH_LEN + 1)).unwrap_err().contains("101 characters"));
    }
}
