"""The dbt project handle, importable without a manifest (``make`` prepares one from it)."""

from dagster_dbt import DbtCliResource, DbtProject, DbtProjectPreparer

from orchestration import config


class ParseInPlace(DbtProjectPreparer):
    """``dbt parse`` into the project's own target folder, and nothing more.

    dagster-dbt's default preparer then marks every seed as changed in dbt's partial-parse
    cache, so that a manifest parsed on a build machine and shipped elsewhere gets the seeds'
    paths of the machine it runs on. Ours is always parsed where it runs (``make``, the CLI and
    ``dagster dev`` prepare it in this checkout), and that invalidation made every later
    ``dbt build`` re-parse the six seeds and the models that read them: about 0.8 s of every
    run. The project has no dbt packages, so there is no ``dbt deps`` either.
    """

    def prepare_if_dev(self, project: DbtProject) -> None:
        if self.using_dagster_dev():
            self.prepare(project)

    def prepare(self, project: DbtProject) -> None:
        DbtCliResource(project_dir=project, dbt_executable=config.dbt_executable()).cli(
            ["parse", "--quiet"], target_path=project.target_path
        ).wait()


dbt_project = DbtProject(project_dir=config.DBT_PROJECT_DIR, target_path=config.dbt_target_dir())
# Used instead of `dbt_project.preparer` (DbtProject takes no other preparer).
preparer = ParseInPlace()
# Under `dagster dev` the manifest is re-parsed on every code reload; the profile needs the
# warehouse path (DUCKDB_PATH) for that.
config.export_dbt_env()
preparer.prepare_if_dev(dbt_project)
