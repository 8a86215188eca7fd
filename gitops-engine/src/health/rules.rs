//! The set of health rules in force: user rules, shipped rules for common custom
//! resources, and (outside this set) the engine's built-in rules.

use std::fmt;
use std::path::Path;

use serde_json::Value;

use crate::health::declarative::{RuleError, parse_rules};
use crate::health::matcher::KindMatcher;
use crate::health::rule::{HealthCheck, Rule};
use crate::health::status::HealthStatus;
use crate::health::{builtin, library};

/// The health rules in force, consulted before the engine's built-in rules (like Argo
/// CD's health customizations): user rules in the order they were added, then the
/// shipped rules for common custom resources. The first rule that matches the
/// object's group and kind *and* gives a verdict decides.
#[derive(Clone)]
pub struct HealthRules {
    custom: Vec<Rule>,
    shipped: Vec<Rule>,
}

impl fmt::Debug for HealthRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HealthRules")
            .field("custom", &self.custom.len())
            .field("shipped", &self.shipped.len())
            .finish()
    }
}

impl Default for HealthRules {
    fn default() -> Self {
        Self::builtin()
    }
}

impl HealthRules {
    /// Only the engine's built-in rules for Kubernetes kinds: no shipped or user rules.
    pub fn kubernetes_only() -> Self {
        HealthRules {
            custom: Vec::new(),
            shipped: Vec::new(),
        }
    }

    /// The built-in rules plus the shipped rules for common custom resources
    /// (cert-manager, Argo Rollouts/Workflows, Flux, KEDA, Gateway API, ...).
    pub fn builtin() -> Self {
        HealthRules {
            custom: Vec::new(),
            shipped: library::rules(),
        }
    }

    /// Adds the opt-in rule for `argoproj.io` Applications (app-of-apps): a child
    /// Application reports its own `status.health`, or `Progressing` until it has one.
    pub fn with_application_health(mut self) -> Self {
        let matcher = KindMatcher::new(&["argoproj.io".to_string()], &["Application".to_string()])
            .expect("literal names are valid patterns");
        self.shipped
            .insert(0, Rule::native(matcher, builtin::application));
        self
    }

    /// Loads declarative rules from YAML or JSON text (see
    /// [`crate::health::declarative`] for the format). They are consulted before the
    /// shipped rules and after user rules added earlier. Returns how many rules were
    /// added; on error nothing is added. `source_name` names the text in errors.
    pub fn load_custom(&mut self, source_name: &str, text: &str) -> Result<usize, RuleError> {
        let rules = parse_rules(source_name, text)?;
        let count = rules.len();
        self.custom.extend(rules.into_iter().map(Rule::declarative));
        Ok(count)
    }

    /// Reads a rule file and loads it with [`HealthRules::load_custom`].
    pub fn load_custom_file(&mut self, path: &Path) -> Result<usize, RuleError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| RuleError::Io {
            path: name.clone(),
            source,
        })?;
        self.load_custom(&name, &text)
    }

    /// Adds a rule written in Rust for the kinds `matcher` accepts, consulted after
    /// the user rules added before it.
    pub fn add_custom_check(&mut self, matcher: KindMatcher, check: impl HealthCheck + 'static) {
        self.custom.push(Rule::native(matcher, check));
    }

    /// The verdict of the user and shipped rules alone (no deletion check, no
    /// built-in Kubernetes rules), or `None` when none of them gives one.
    pub fn custom_health(&self, obj: &Value) -> Option<HealthStatus> {
        self.custom
            .iter()
            .chain(&self.shipped)
            .find_map(|rule| rule.evaluate(obj))
    }
}
