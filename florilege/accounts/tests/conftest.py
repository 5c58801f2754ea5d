from florilege.topics.tests.team_fixtures import team  # noqa: F401 - the team fixture
