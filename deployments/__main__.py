"""Pulumi Deployments as code for the archon stacks: load the settings, then one DeploymentSettings
per stack (dev, prod and the `pr` review-stack template) and a DriftSchedule where configured."""

import pulumi
import pulumi_pulumiservice as service

from settings import Settings, StackDeployment, load_settings


def deployment_settings(settings: Settings, plan: StackDeployment) -> service.DeploymentSettings:
    environment_variables: dict[str, pulumi.Input[str]] = dict(settings.environment_variables)
    for name, secret in settings.secret_environment_variables.items():
        # A Pulumi secret: the provider sends it to Pulumi Cloud as a secret environment variable
        # (encrypted at rest, masked in deployment logs) and it is encrypted in this stack's state.
        environment_variables[name] = pulumi.Output.secret(secret.get_secret_value())
    return service.DeploymentSettings(
        f"{plan.stack}-deployment-settings",
        organization=settings.organization,
        project=settings.project,
        stack=plan.stack,
        # With a VCS integration the repository comes from `vcs.repository`; the provider documents
        # that `repoUrl` (and `gitAuth`) must not be set alongside it.
        source_context=service.DeploymentSettingsSourceContextArgs(
            git=service.DeploymentSettingsGitSourceArgs(branch=settings.branch, repo_dir=settings.repo_dir),
        ),
        vcs=service.DeploymentSettingsVcsArgs(
            provider="github",
            repository=settings.repository,
            deploy_commits=plan.deploy_commits,
            preview_pull_requests=plan.preview_pull_requests,
            pull_request_template=plan.pull_request_template,
            paths=list(settings.paths) or None,
        ),
        operation_context=service.DeploymentSettingsOperationContextArgs(
            pre_run_commands=list(settings.pre_run_commands),
            environment_variables=environment_variables,
            options=service.OperationContextOptionsArgs(
                skip_install_dependencies=True,
                delete_after_destroy=plan.delete_after_destroy,
            ),
        ),
    )


settings = load_settings()
configured = {}
for plan in settings.stacks:
    resource = deployment_settings(settings, plan)
    drift = None
    if plan.drift is not None:
        # Drift detection runs through Pulumi Deployments, so it needs the stack's settings first.
        service.DriftSchedule(
            f"{plan.stack}-drift-schedule",
            organization=settings.organization,
            project=settings.project,
            stack=plan.stack,
            schedule_cron=plan.drift.schedule_cron,
            auto_remediate=plan.drift.auto_remediate,
            opts=pulumi.ResourceOptions(depends_on=[resource]),
        )
        drift = {"scheduleCron": plan.drift.schedule_cron, "autoRemediate": plan.drift.auto_remediate}
    configured[plan.stack] = {
        "stack": f"{settings.organization}/{settings.project}/{plan.stack}",
        "deployCommits": plan.deploy_commits,
        "previewPullRequests": plan.preview_pull_requests,
        "reviewStackTemplate": plan.pull_request_template,
        "driftDetection": drift,
    }

pulumi.export("repository", settings.repository)
pulumi.export("branch", settings.branch)
pulumi.export("stacks", configured)
