/* ag_cmd_ds — the data-science commands: eda, features, forecast, report,
 * pipeline. Each runs scripts/<command>.py in the jail with the dataset
 * mounted read-only (a local path, an archive or an s3:// object). */
#ifndef AG_CMD_DS_H
#define AG_CMD_DS_H

int ag_cmd_eda(int argc, char **argv);
int ag_cmd_features(int argc, char **argv);
int ag_cmd_forecast(int argc, char **argv);
int ag_cmd_report(int argc, char **argv);
int ag_cmd_pipeline(int argc, char **argv);
/* sandboxrun check --libraries [--json]: each library, its version, whether it imports in the jail. */
int ag_cmd_libraries(int argc, char **argv);

#endif
