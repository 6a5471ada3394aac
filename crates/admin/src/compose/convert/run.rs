//! The keys a one-off container is created from (`networks`, `network_mode`, `entrypoint`,
//! `depends_on`, `extra_hosts`) and the top-level `networks:` / `volumes:`.

use std::collections::BTreeMap;

use super::super::ComposeError;
use super::super::model::{Dependency, Resource};
use super::super::tree::{Node, Value};
use super::Cx;

impl Cx<'_> {
    /// Top-level `networks:` / `volumes:`: key → `{name, external}` (null = defaults).
    pub(super) fn resources(
        &self,
        node: &Node,
        path: &str,
    ) -> Result<BTreeMap<String, Resource>, ComposeError> {
        let mut out = BTreeMap::new();
        for (key, value) in self.map(node, path)? {
            let p = format!("{path}.{key}");
            let mut r = Resource::default();
            for (k, v) in self.map(value, &p)? {
                let kp = format!("{p}.{k}");
                match k.as_str() {
                    "name" => r.name = self.opt_text(v, &kp)?,
                    // `external: true`, or the legacy `external: {name: …}`.
                    "external" => match &v.value {
                        Value::Map(_) => {
                            r.external = true;
                            if let Some(n) = v.get("name") {
                                r.name = self.opt_text(n, &format!("{kp}.name"))?;
                            }
                        }
                        _ => r.external = self.bool(v, &kp)?,
                    },
                    _ => {}
                }
            }
            out.insert(key.clone(), r);
        }
        Ok(out)
    }

    /// A service's `networks:` (list of keys, or map of key → `{aliases}`/null).
    pub(super) fn service_networks(
        &self,
        node: &Node,
        path: &str,
    ) -> Result<BTreeMap<String, Vec<String>>, ComposeError> {
        let mut out = BTreeMap::new();
        match &node.value {
            Value::Seq(_) => {
                for name in self.strings(node, path)? {
                    out.insert(name, Vec::new());
                }
            }
            Value::Map(entries) => {
                for (key, value) in entries {
                    let p = format!("{path}.{key}");
                    let aliases = match value.get("aliases") {
                        Some(a) => self.strings(a, &format!("{p}.aliases"))?,
                        None => {
                            self.map(value, &p)?;
                            Vec::new()
                        }
                    };
                    out.insert(key.clone(), aliases);
                }
            }
            Value::Null => {}
            _ => return Err(self.expected(node, path, "a list or a mapping of networks")),
        }
        Ok(out)
    }

    /// `entrypoint:` as argv (a string is split on whitespace, as Compose's shell-words split
    /// does for simple commands; quoted parts are kept together).
    pub(super) fn entrypoint(
        &self,
        node: &Node,
        path: &str,
    ) -> Result<Option<Vec<String>>, ComposeError> {
        match &node.value {
            Value::Null => Ok(None),
            Value::Seq(_) => self.strings(node, path).map(Some),
            _ => {
                let text = self.text(node, path)?;
                split_words(&text)
                    .map(Some)
                    .ok_or_else(|| self.err(node, path, "unbalanced quotes".to_owned()))
            }
        }
    }

    /// `depends_on:` (list of names, or map of name → `{condition}`).
    pub(super) fn depends_on(
        &self,
        node: &Node,
        path: &str,
    ) -> Result<Vec<Dependency>, ComposeError> {
        let started = || "service_started".to_owned();
        match &node.value {
            Value::Seq(_) => Ok(self
                .strings(node, path)?
                .into_iter()
                .map(|service| Dependency {
                    service,
                    condition: started(),
                })
                .collect()),
            Value::Map(entries) => {
                let mut out = Vec::new();
                for (key, value) in entries {
                    let p = format!("{path}.{key}");
                    let condition = match value.get("condition") {
                        Some(c) => self.text(c, &format!("{p}.condition"))?,
                        None => {
                            self.map(value, &p)?;
                            started()
                        }
                    };
                    out.push(Dependency {
                        service: key.clone(),
                        condition,
                    });
                }
                Ok(out)
            }
            Value::Null => Ok(Vec::new()),
            _ => Err(self.expected(node, path, "a list or a mapping of services")),
        }
    }

    /// `extra_hosts:` as `HOST:IP` (list, or map of host → ip).
    pub(super) fn extra_hosts(&self, node: &Node, path: &str) -> Result<Vec<String>, ComposeError> {
        match &node.value {
            Value::Map(entries) => entries
                .iter()
                .map(|(host, ip)| {
                    let ip = self.text(ip, &format!("{path}.{host}"))?;
                    Ok(format!("{host}:{ip}"))
                })
                .collect(),
            _ => Ok(self
                .strings(node, path)?
                .into_iter()
                // Compose also accepts `HOST=IP`; the engine wants `HOST:IP`.
                .map(|h| match h.split_once('=') {
                    Some((host, ip)) if !host.contains(':') => format!("{host}:{ip}"),
                    _ => h,
                })
                .collect()),
        }
    }
}

/// Splits a command string into words: whitespace separates, `'…'` and `"…"` group, a
/// backslash escapes the next character outside single quotes. `None` on unbalanced quotes.
pub fn split_words(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        ch => word.push(ch),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => word.push(chars.next()?),
                        ch => word.push(ch),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next()?);
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::split_words;
    use crate::compose::model::Resource;
    use crate::compose::test_support::{model, svc};

    #[test]
    fn words_split_like_a_shell_without_expansion() {
        assert_eq!(
            split_words(r#"/bin/tini -- "a b" 'c d' e\ f"#),
            Some(vec![
                "/bin/tini".to_owned(),
                "--".to_owned(),
                "a b".to_owned(),
                "c d".to_owned(),
                "e f".to_owned()
            ])
        );
        assert_eq!(split_words("  "), Some(vec![]));
        assert_eq!(split_words("''"), Some(vec![String::new()]));
        assert_eq!(split_words("'open"), None);
    }

    #[test]
    fn run_keys_in_both_syntaxes() {
        let m = model(
            "services:\n  api:\n    image: a\n    networks:\n      back: {aliases: [api2]}\n      front:\n    entrypoint: /bin/x --y\n    depends_on:\n      db: {condition: service_healthy}\n    extra_hosts: {h: 10.0.0.1}\n  w:\n    networks: [back]\n    depends_on: [api]\n    extra_hosts: [\"h=1.2.3.4\"]\nnetworks:\n  back: {name: shared}\n  front:\n  ext: {external: true}\nvolumes:\n  data:\n",
        );
        let api = svc(&m, "api");
        let nets = api.networks.clone().unwrap_or_default();
        assert_eq!(nets.get("back"), Some(&vec!["api2".to_owned()]));
        assert_eq!(nets.get("front"), Some(&Vec::new()));
        assert_eq!(
            api.entrypoint,
            Some(vec!["/bin/x".to_owned(), "--y".to_owned()])
        );
        assert_eq!(api.depends_on[0].service, "db");
        assert_eq!(api.depends_on[0].condition, "service_healthy");
        assert_eq!(api.extra_hosts, vec!["h:10.0.0.1".to_owned()]);
        let w = svc(&m, "w");
        assert_eq!(w.depends_on[0].condition, "service_started");
        assert_eq!(w.extra_hosts, vec!["h:1.2.3.4".to_owned()]);
        assert_eq!(
            Resource::engine_name(m.networks.get("back"), "shop", "back"),
            "shared"
        );
        assert_eq!(
            Resource::engine_name(m.networks.get("front"), "shop", "front"),
            "shop_front"
        );
        assert_eq!(
            Resource::engine_name(m.networks.get("ext"), "shop", "ext"),
            "ext"
        );
        assert_eq!(
            Resource::engine_name(None, "shop", "default"),
            "shop_default"
        );
        assert!(m.volumes.contains_key("data"));
    }

    #[test]
    fn wrong_types_name_the_path() {
        let m = crate::compose::test_support::model_err(
            "services:\n  api:\n    image: a\n    depends_on: 3\n",
        );
        assert!(m.contains("services.api.depends_on"), "{m}");
        assert!(m.contains(":4:"), "{m}");
    }
}
