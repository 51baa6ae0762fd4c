// The alerts of one environment:
//
// - an action group that e-mails alertEmail (created only when the project has one);
// - an alert rule on the workspace's failed runs: a model monitor run fails when one of its signals breaches
//   its threshold (as do failed training, batch scoring and other jobs), so the rule tells the team the same
//   night, whoever reads Azure ML's own monitor e-mails. Its actions are the action group, when there is one.
//
// The monitors themselves are Azure ML schedules that CI creates (mlops/azureml/monitor/, mlops/monitoring.yml).

@description('Tags applied to every resource.')
param tags object

@description('Resource id of the Azure ML workspace whose failed runs raise the alert.')
param workspaceId string

@description('E-mail address of the action group; empty: no action group.')
param alertEmail string

@description('Name of the action group.')
param actionGroupName string

@description('Short name of the action group, shown in its e-mails.')
@maxLength(12)
param actionGroupShortName string

@description('Name of the alert rule on the failed runs of the workspace.')
param failedRunsAlertName string

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: actionGroupShortName
    enabled: true
    emailReceivers: [
      {
        name: 'alert-email'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource failedRuns 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: failedRunsAlertName
  location: 'global'
  tags: tags
  properties: {
    description: 'Azure ML runs failed in the last hour: a model monitor breached a threshold, or a job failed.'
    severity: 2
    enabled: true
    scopes: [
      workspaceId
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    autoMitigate: true
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          name: 'failed-runs'
          criterionType: 'StaticThresholdCriterion'
          metricNamespace: 'Microsoft.MachineLearningServices/workspaces'
          metricName: 'Failed Runs'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: empty(alertEmail) ? [] : [
      {
        actionGroupId: actionGroup.id
      }
    ]
  }
}

output actionGroupId string = empty(alertEmail) ? '' : actionGroup.id
