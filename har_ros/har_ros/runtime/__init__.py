"""Starting and stopping the project's node processes.

The one place that knows the pipeline's node table and how a node's command
line is built; `har bringup`, the demos, the benches and the launch file use
it. Errors are raised as exceptions for the caller to report, never by
exiting.
"""
