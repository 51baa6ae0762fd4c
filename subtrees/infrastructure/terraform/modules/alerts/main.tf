# The alerts of one environment:
#
# - an action group that e-mails alert_email (created only when the project has one);
# - an alert rule on the workspace's failed runs: a model monitor run fails when one of its signals breaches
#   its threshold (as do failed training, batch scoring and other jobs), so the rule tells the team the same
#   night, whoever reads Azure ML's own monitor e-mails. Its actions are the action group, when there is one.
#
# The monitors themselves are Azure ML schedules that CI creates (mlops/azureml/monitor/, mlops/monitoring.yml).

resource "azurerm_monitor_action_group" "main" {
  count = var.alert_email == "" ? 0 : 1

  name                = var.action_group_name
  resource_group_name = var.resource_group.name
  location            = "global"
  short_name          = var.action_group_short_name
  enabled             = true
  tags                = var.resource_group.tags

  email_receiver {
    name                    = "alert-email"
    email_address           = var.alert_email
    use_common_alert_schema = true
  }
}

resource "azurerm_monitor_metric_alert" "failed_runs" {
  name                = var.failed_runs_alert_name
  resource_group_name = var.resource_group.name
  scopes              = [var.workspace_id]
  description         = "Azure ML runs failed in the last hour: a model monitor breached a threshold, or a job failed."
  severity            = 2
  enabled             = true
  frequency           = "PT15M"
  window_size         = "PT1H"
  auto_mitigate       = true
  tags                = var.resource_group.tags

  criteria {
    metric_namespace = "Microsoft.MachineLearningServices/workspaces"
    metric_name      = "Failed Runs"
    aggregation      = "Total"
    operator         = "GreaterThan"
    threshold        = 0
  }

  dynamic "action" {
    for_each = azurerm_monitor_action_group.main[*].id
    content {
      action_group_id = action.value
    }
  }
}
