//! The decision, once the input is scanned: the controller subject, the plan
//! for these values and target, and what the input already holds (replaced, skipped,
//! conflicting, removed).

use crate::diag::{Code, Diagnostic, Origin};
use crate::identify::Object;
use crate::k8s;
use crate::plan::{self, Plan, Planned, Subject, SubjectRule, Target};
use crate::scan::{collides, input_origin, ControllerDeployment, Scan};
use crate::values::features::Features;

/// Options that are not values.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub target: Target,
    /// `--namespace`.
    pub namespace: Option<String>,
    /// `$HELM_NAMESPACE`.
    pub helm_namespace: Option<String>,
    /// `--controller-service-account NAMESPACE/NAME`.
    pub controller_sa: Option<String>,
    /// Running as a Helm 4 plugin (`$HELM_PLUGIN_NAME` set).
    pub helm4_env: bool,
}

/// The rules that choose the ServiceAccount the RBAC binds (the flag, then the values, then the chart's Deployment, then the default), without checking the names.
/// Errors only for a malformed `--controller-service-account`.
fn choose_subject(
    settings: &Settings,
    f: &Features,
    controller: Option<&ControllerDeployment>,
) -> Result<Subject, Vec<Diagnostic>> {
    let fallback_ns = || -> (String, Origin) {
        if let Some(ns) = settings.namespace.as_ref().filter(|s| !s.is_empty()) {
            (
                ns.clone(),
                Origin::Flag {
                    flag: "--namespace".into(),
                },
            )
        } else if let Some(ns) = settings.helm_namespace.as_ref().filter(|s| !s.is_empty()) {
            (
                ns.clone(),
                Origin::Env {
                    name: "HELM_NAMESPACE".into(),
                },
            )
        } else {
            ("upbound-system".into(), Origin::Default)
        }
    };
    Ok(if let Some(raw) = &settings.controller_sa {
        let flag = Origin::Flag {
            flag: "--controller-service-account".into(),
        };
        let Some((ns, name)) = raw.split_once('/') else {
            return Err(vec![Diagnostic::error(
                Code::BadFlag,
                "",
                format!("--controller-service-account {raw:?} is not NAMESPACE/NAME"),
            )
            .at(Some(flag))
            .hint("write it as upbound-system/spaces-controller")]);
        };
        Subject {
            namespace: ns.into(),
            name: name.into(),
            rule: SubjectRule::Flag,
            name_origin: flag.clone(),
            namespace_origin: flag,
        }
    } else if let Some(d) = controller {
        let o = input_origin(d.document, d.line, &d.source);
        // Empty means absent, as in Kubernetes.
        let (namespace, namespace_origin) = match d.namespace.as_ref().filter(|s| !s.is_empty()) {
            Some(ns) => (ns.clone(), o.clone()),
            None => fallback_ns(),
        };
        Subject {
            namespace,
            name: d
                .service_account
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "default".into()),
            rule: SubjectRule::Deployment,
            name_origin: o,
            namespace_origin,
        }
    } else if let Some(n) = &f.controller_sa_name {
        let (namespace, namespace_origin) = fallback_ns();
        Subject {
            namespace,
            name: n.value.clone(),
            rule: SubjectRule::Values,
            name_origin: n.origin.clone(),
            namespace_origin,
        }
    } else {
        let (namespace, namespace_origin) = fallback_ns();
        Subject {
            namespace,
            name: "spaces-controller".into(),
            rule: SubjectRule::Default,
            name_origin: Origin::Default,
            namespace_origin,
        }
    })
}

/// The problems of a subject that generated objects bind: invalid names, or two rendered
/// `spaces-controller` Deployments that would each decide it.
fn check_subject(subject: &Subject, scan: &Scan) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    if let (SubjectRule::Deployment, Some(a), Some(b)) =
        (&subject.rule, &scan.controller, &scan.other_controller)
    {
        let at = |d: &ControllerDeployment| input_origin(d.document, d.line, &d.source).to_string();
        errors.push(
            Diagnostic::error(
                Code::TwoControllers,
                "",
                format!(
                    "the input has {} Deployments named spaces-controller ({} and {}{}); which one's ServiceAccount the RBAC binds would be a guess",
                    scan.controllers,
                    at(a),
                    at(b),
                    if scan.controllers > 2 { ", ..." } else { "" }
                ),
            )
            .at(Some(input_origin(b.document, b.line, &b.source)))
            .hint("name the subject with --controller-service-account NAMESPACE/NAME"),
        );
    }
    if !k8s::is_dns_label(&subject.namespace) {
        errors.push(
            Diagnostic::error(
                Code::BadSubject,
                "",
                format!(
                    "the controller namespace {:?} is not a valid namespace name",
                    subject.namespace
                ),
            )
            .at(Some(subject.namespace_origin.clone()))
            .hint("use --controller-service-account NAMESPACE/NAME to name it explicitly"),
        );
    }
    if !k8s::is_dns_subdomain(&subject.name) {
        errors.push(
            Diagnostic::error(
                Code::BadSubject,
                "",
                format!(
                    "the controller ServiceAccount name {:?} is not a valid name",
                    subject.name
                ),
            )
            .at(Some(subject.name_origin.clone()))
            .hint("use --controller-service-account NAMESPACE/NAME to name it explicitly"),
        );
    }
    errors
}

/// What to do with each planned object, once the input is read.
#[derive(Debug)]
pub struct Decision {
    pub plan: Plan,
    pub subject: Subject,
    /// Infos (a Namespace already present, objects removed).
    pub notes: Vec<Diagnostic>,
    /// Per planned object: write it (false: the input already has it).
    pub write: Vec<bool>,
    /// Per planned object the input already has (not written): where it is.
    pub present: Vec<Option<Origin>>,
    /// Per planned object: the input document (number) of an earlier run's copy of it, which
    /// the scan dropped; a front end that keeps order (KRM) puts the new one there.
    pub replaces: Vec<Option<usize>>,
    /// Per planned object: where it goes in the output.
    pub place: Vec<Place>,
    /// Every object of the input is a Helm hook: nothing is written (Helm 4.2's SDK can
    /// post-render hooks in a call of their own; the generated objects come with the
    /// release's other objects).
    pub hooks_only: bool,
}

impl Decision {
    /// Whether a line break goes after the input, before the generated objects that follow it:
    /// when the last input document lacks one. An error when that document ends inside a
    /// block scalar that keeps its final line break (the break would change its value).
    pub fn line_break_after_input(&self, scan: &Scan) -> Result<bool, Vec<Diagnostic>> {
        let appends = self.written().any(|(i, _)| self.place[i] == Place::Last);
        let Some(u) = scan.unterminated.as_ref().filter(|_| appends) else {
            return Ok(false);
        };
        if newline_keeps_meaning(&u.bytes) {
            return Ok(true);
        }
        Err(vec![Diagnostic::error(
            Code::NoFinalNewline,
            "",
            format!(
                "input document {} ends without a line break inside a value (a block scalar): the documents spaces-postrender appends would add one to that value",
                u.document
            ),
        )
        .at(Some(input_origin(u.document, u.line, &crate::stream::source_comment(&u.bytes))))
        .hint("end the input with a line break")])
    }

    /// The planned objects that are written, in plan order: what every front end generates.
    pub fn written(&self) -> impl Iterator<Item = (usize, &Planned)> {
        self.plan
            .objects
            .iter()
            .enumerate()
            .filter(|(i, _)| self.write[*i])
    }
}

/// Whether appending a line break after `bytes` (the last document, which lacks one) keeps its
/// meaning. It does not when the document ends inside a literal or folded block scalar that
/// keeps its final line break (`echo hi` would become `echo hi\n`); any other ending (a plain
/// or quoted scalar, a comment, a `|-` block) reads the same with the break.
pub fn newline_keeps_meaning(bytes: &[u8]) -> bool {
    use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut parser = Parser::new_from_str(text);
    // The last scalar: its style and where it starts and ends (character indices).
    let mut last = None;
    while let Some(Ok((ev, span))) = parser.next_event() {
        if let Event::Scalar(_, style, ..) = ev {
            last = Some((style, span.start.index(), span.end.index()));
        }
    }
    let Some((style @ (ScalarStyle::Literal | ScalarStyle::Folded), start, end)) = last else {
        return true;
    };
    let _ = style;
    let content_end = text.trim_end().chars().count();
    if end < content_end {
        return true; // something (a comment) follows the block scalar
    }
    // The header (`|` or `>` and its indicators) is the last one before the content starts.
    let before: String = text.chars().take(start + 1).collect();
    let Some(at) = before.rfind(['|', '>']) else {
        return false;
    };
    let header = before[at..].split(['\n', '#']).next().unwrap_or("");
    header.contains('-')
}

/// Where a generated object goes in the output stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Before every input document: a Namespace, which Helm 3 and `kubectl apply` (creating
    /// objects in the order written) need before any object that lives in it.
    First,
    /// After the input documents (or, in a front end that keeps order, in place of an earlier
    /// run's copy of it).
    Last,
}

impl Place {
    /// Where an object of `kind` goes.
    pub fn of(kind: plan::Kind) -> Place {
        match kind {
            plan::Kind::Namespace => Place::First,
            _ => Place::Last,
        }
    }
}

/// ` (N copies)` after an object the input holds more than once; nothing for one.
fn copies(n: usize) -> String {
    if n > 1 {
        format!(" ({n} copies)")
    } else {
        String::new()
    }
}

/// Decide the plan once the input is scanned; report identity conflicts. The subject is
/// resolved for every run (`why` shows it) but checked only when a planned object binds it.
pub fn decide(settings: &Settings, f: &Features, scan: &Scan) -> Result<Decision, Vec<Diagnostic>> {
    let subject = choose_subject(settings, f, scan.controller.as_ref())?;
    let plan = plan::plan(f, settings.target, &subject);
    let mut errors = Vec::new();
    if plan.needs_subject() {
        errors.extend(check_subject(&subject, scan));
    }
    let mut notes = Vec::new();
    let mut write = vec![true; plan.objects.len()];
    let mut present = vec![None; plan.objects.len()];
    let same = |p: &Planned, o: &Object| collides(p, o, false);
    let mut removed = scan.removed.clone();
    for s in scan.seen.iter().filter(|s| s.own) {
        if !plan.objects.iter().any(|p| same(p, &s.obj)) {
            removed.note_copies(&s.obj, s.copies);
        }
    }
    for (i, p) in plan.objects.iter().enumerate() {
        for s in scan.seen.iter().filter(|s| !s.own && same(p, &s.obj)) {
            let o = &s.obj;
            let origin = input_origin(s.document, s.line, &s.source);
            if p.kind == plan::Kind::Namespace {
                write[i] = false;
                present[i] = Some(origin.clone());
                notes.push(
                    Diagnostic::info(
                        Code::NamespacePresent,
                        "",
                        format!(
                            "the input already has Namespace {:?}{}; not generating it again",
                            p.name,
                            copies(s.copies)
                        ),
                    )
                    .at(Some(origin)),
                );
            } else {
                let ns = p.namespace.as_deref().unwrap_or("");
                let (whose, hint) = if s.other_package {
                    (
                        "generated for another package by its own pipeline",
                        "turn the feature off in the functionConfig of one of the two packages",
                    )
                } else {
                    ("not made by spaces-postrender", "remove one of them: drop the chart's object, or turn the feature off in values")
                };
                errors.push(
                    Diagnostic::error(
                        Code::Conflict,
                        "",
                        format!(
                            "the input already has {} {}/{}{} ({whose}), and spaces-postrender would generate {} {}/{}",
                            p.kind,
                            o.namespace.as_deref().unwrap_or("<release namespace>"),
                            p.name,
                            copies(s.copies),
                            p.kind,
                            ns,
                            p.name
                        ),
                    )
                    .at(Some(origin))
                    .hint(hint),
                );
            }
        }
    }
    if removed.count > 0 {
        let more = removed.count - removed.names.len();
        notes.push(Diagnostic::info(
            Code::Removed,
            "",
            format!(
                "removed {} object(s) that an earlier spaces-postrender run generated and these values no longer generate: {}{}",
                removed.count,
                removed.names.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ),
        ));
    }
    let replaces = plan
        .objects
        .iter()
        .map(|p| {
            scan.seen
                .iter()
                .find(|s| s.own && same(p, &s.obj) && scan.dropped.contains(&s.document))
                .map(|s| s.document)
        })
        .collect();
    let place = plan.objects.iter().map(|p| Place::of(p.kind)).collect();
    let hooks_only = scan.objects > 0 && scan.hooks == scan.objects;
    if hooks_only {
        write.iter_mut().for_each(|w| *w = false);
        notes.push(Diagnostic::info(
            Code::HooksOnly,
            "",
            format!(
                "every object of the input is a Helm hook ({}): nothing is generated for a hooks-only post-render",
                scan.hooks
            ),
        ));
    } else if plan.objects.is_empty() {
        notes.push(Diagnostic::info(
            Code::NothingGenerated,
            "",
            format!(
                "no objects to generate for target {} with these values",
                settings.target.as_str()
            ),
        ));
    }
    if errors.is_empty() {
        Ok(Decision {
            plan,
            subject,
            notes,
            write,
            present,
            replaces,
            place,
            hooks_only,
        })
    } else {
        Err(errors)
    }
}
