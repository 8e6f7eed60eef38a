"""Background tasks (django-tasks): the import steps run in `cakupan db_worker`, not in a web request."""

from django_tasks import task


@task()
def import_check_task(import_id: int) -> None:
    from cakupan.registry.importing import import_check

    import_check(import_id=import_id)


@task()
def import_apply_task(import_id: int) -> None:
    from cakupan.registry.importing import import_apply

    import_apply(import_id=import_id)
