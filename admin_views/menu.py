"""Menu categories shown in the groups of the seed guide, so a reader of the guide finds each page."""


def sections(category, groups):
    """The entries of ``category`` the user may open, as ``(heading, entries)`` pairs in the order of ``groups``
    (``(heading, endpoints)`` pairs). A heading none of whose entries the user may open is left out; entries no
    group names (a nested category, a view added later) follow under no heading, in the order they were added."""
    children = category.get_children()
    if not groups:
        return [(None, children)] if children else []  # a category with nothing the user may open is not shown
    by_endpoint = {child._view.endpoint: child for child in children if getattr(child, "_view", None) is not None}
    result, placed = [], set()
    for heading, endpoints in groups:
        entries = [by_endpoint[e] for e in endpoints if e in by_endpoint]
        if entries:
            result.append((heading, entries))
            placed.update(id(entry) for entry in entries)
    rest = [child for child in children if id(child) not in placed]
    return result + [(None, rest)] if rest else result
