def test_tree_fixture_builds(tree):
    assert tree.nodes.count() == 4
    assert len(tree.weeks) == 52
