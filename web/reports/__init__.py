"""Reports: quarterly bulletins, department tasks (部门任务) and park targets (园区目标) with their charts."""

__all__ = ["bulletins", "departments", "parks"]
