//! Links other features add to one feature's page about an object. The account page belongs
//! to instagram, but the analysis of the account's posts belongs to intelligence, which
//! instagram must not know: intelligence registers an [`ObjectLink`] for the object kind
//! `instagram.account` (`Feature::object_link`), and the account page shows every link
//! registered for its kind, in order. Static data: a label and a path with `{id}`.

/// A link to a feature's page about an object of another feature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectLink {
    /// The object kind the owning feature names (`instagram.account`, `instagram.tracked`).
    pub object: &'static str,
    /// The link's text ("Post analysis").
    pub label: &'static str,
    /// The page's path, with `{id}` standing for the object's id.
    pub path: &'static str,
    /// Sort key among the object's links: lower comes first.
    pub order: u16,
}

/// A link ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub label: &'static str,
    pub href: String,
}

/// The links registered for `object`, with its id filled in, in order.
pub fn for_object(links: &[ObjectLink], object: &str, id: impl std::fmt::Display) -> Vec<Link> {
    let mut found: Vec<&ObjectLink> = links.iter().filter(|l| l.object == object).collect();
    found.sort_by_key(|l| l.order);
    let id = id.to_string();
    found
        .into_iter()
        .map(|l| Link {
            label: l.label,
            href: l.path.replace("{id}", &id),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_of_one_object_in_order_with_the_id() {
        let links = [
            ObjectLink {
                object: "a",
                label: "Second",
                path: "/x/{id}/b",
                order: 2,
            },
            ObjectLink {
                object: "b",
                label: "Other",
                path: "/y/{id}",
                order: 0,
            },
            ObjectLink {
                object: "a",
                label: "First",
                path: "/x/{id}/a",
                order: 1,
            },
        ];
        let got = for_object(&links, "a", 7);
        assert_eq!(
            got,
            vec![
                Link {
                    label: "First",
                    href: "/x/7/a".into()
                },
                Link {
                    label: "Second",
                    href: "/x/7/b".into()
                }
            ]
        );
        assert!(for_object(&links, "c", 1).is_empty());
    }
}
