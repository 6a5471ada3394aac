//! Bounded property tests of the Compose, `.env` and interpolation parsers on generated input
//! (proptest, a fixed number of cases): nothing panics, every error names its position, and no
//! error quotes a value.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proptest::prelude::*;

use super::model::FileModel;
use super::{dotenv, interpolate, tree};

const SECRET: &str = "Canary-9f3e%21pw";

/// YAML-ish text: the punctuation that matters to the parser, a few words, nulls, aliases.
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("services:".to_owned()),
        Just("api:".to_owned()),
        Just("image:".to_owned()),
        Just("environment:".to_owned()),
        Just("volumes:".to_owned()),
        Just("null".to_owned()),
        Just("~".to_owned()),
        Just("&a".to_owned()),
        Just("*a".to_owned()),
        Just("<<:".to_owned()),
        Just("${SECRET}".to_owned()),
        Just("${".to_owned()),
        Just("\n".to_owned()),
        Just("\n  ".to_owned()),
        Just("\n    ".to_owned()),
        Just("- ".to_owned()),
        Just("\u{feff}".to_owned()),
        "[{}\\[\\]:,?'\"|>!%@`# \t-]{1,3}",
        "[a-z0-9]{1,5}",
    ];
    proptest::collection::vec(token, 0..40).prop_map(|t| t.join(" "))
}

fn dotenvish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("A=".to_owned()),
        Just("export ".to_owned()),
        Just(SECRET.to_owned()),
        Just("${".to_owned()),
        Just("${X:-".to_owned()),
        Just("${X:?".to_owned()),
        Just("}".to_owned()),
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("#".to_owned()),
        Just("\u{feff}".to_owned()),
        "[A-Za-z_ =.$-]{1,4}",
    ];
    proptest::collection::vec(token, 0..30).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn compose_text_never_panics_and_errors_have_a_position(text in yamlish()) {
        let file = Path::new("/p/compose.yaml");
        let env: BTreeMap<String, String> = [("SECRET".to_owned(), SECRET.to_owned())].into();
        let result = tree::parse(file, &text).and_then(|mut t| {
            let lookup = |k: &str| env.get(k).cloned();
            let mut unset = BTreeSet::new();
            interpolate::interpolate_tree(&mut t, &lookup, &mut unset).map_err(|e| {
                super::ComposeError::Schema {
                    file: file.to_path_buf(),
                    line: e.line,
                    col: e.col,
                    path: e.path,
                    message: format!("{:?}", e.error),
                }
            })?;
            FileModel::from_tree(file, &t)
        });
        if let Err(e) = result {
            let text = e.to_string();
            prop_assert!(text.starts_with("/p/compose.yaml:"), "{}", text);
            prop_assert!(!text.contains("9f3e"), "{}", text);
            for word in ["deserializ", "Option<", "invalid type: unit"] {
                prop_assert!(!text.contains(word), "{}", text);
            }
        }
    }

    #[test]
    fn dotenv_text_never_panics_and_never_quotes_a_value(text in dotenvish()) {
        if let Err(e) = dotenv::parse(Path::new("/p/.env"), &text, &BTreeMap::new()) {
            let msg = e.to_string();
            prop_assert!(msg.starts_with("/p/.env:"), "{}", msg);
            prop_assert!(!msg.contains("9f3e"), "{:?}: {}", text, msg);
        }
        let _ = dotenv::keys(Path::new("/p/.env"), &text);
    }

    #[test]
    fn interpolation_never_panics_and_errors_name_only_the_variable(text in dotenvish()) {
        let lookup = |k: &str| (k == "X").then(|| SECRET.to_owned());
        let mut unset = BTreeSet::new();
        if let Err(interpolate::TemplateError::Invalid { near, .. }) =
            interpolate::interpolate(&text, &lookup, &mut unset)
        {
            prop_assert!(near.starts_with("${"), "{}", near);
            prop_assert!(!near.contains("9f3e"), "{}", near);
        }
        let _ = interpolate::required_variables(&text);
    }
}
