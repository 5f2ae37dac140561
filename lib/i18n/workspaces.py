"""Strings of workspaces (the demo apart from the user's own data) and the repeated-base check."""

STRINGS: dict[str, tuple[str, str]] = {
    "ws_switcher": ("Workspace", "工作区"),
    "ws_switcher_help": ("Each workspace is a store of its own: the demo's generated base never "
                         "mixes with your imports.",
                         "每个工作区都是独立的存储：演示的生成数据不会与您导入的数据混在一起。"),
    "ws_demo_label": ("Demo", "演示"),
    "ws_main_label": ("Main store", "主存储"),
    "ws_demo_badge": ("Demo", "演示"),
    "ws_demo_banner": ("You are looking at the demo workspace: a generated customer base, not your "
                       "data. Import a file on the Data page to start your own workspace.",
                       "您正在查看演示工作区：这是生成的客户群，并非您的数据。在“数据”页导入文件即可创建您自己的工作区。"),
    "ws_tab": ("Workspaces", "工作区"),
    "ws_current": ("Importing into workspace {name}.", "导入到工作区 {name}。"),
    "ws_target_label": ("This file goes to", "此文件导入到"),
    "ws_target_new": ("A new workspace of my own (recommended)", "新建我自己的工作区（推荐）"),
    "ws_target_demo": ("The demo (mixes the file with the demo base)", "演示工作区（文件会与演示数据混在一起）"),
    "ws_new_name": ("Name of the new workspace", "新工作区名称"),
    "ws_default_name": ("My data", "我的数据"),
    "ws_create_button": ("Create workspace", "创建工作区"),
    "ws_created": ("Created workspace {name}; it is now selected.", "已创建工作区 {name}，并已切换到该工作区。"),
    "ws_imported_into": ("Workspace {name} is now selected.", "已切换到工作区 {name}。"),
    "ws_list": ("Workspaces", "工作区列表"),
    "ws_col_name": ("Name", "名称"),
    "ws_col_kind": ("Kind", "类型"),
    "ws_col_created": ("Created", "创建时间"),
    "ws_col_store": ("Store", "存储位置"),
    "ws_kind_demo": ("Demo", "演示"),
    "ws_kind_own": ("Own data", "自有数据"),
    "ws_remove_demo_button": ("Remove the demo…", "删除演示工作区…"),
    "ws_remove_demo_confirm": ("Remove the demo workspace and everything stored in it ({snapshots} "
                               "snapshots, {rows:,} customer rows)? This cannot be undone.",
                               "删除演示工作区及其中存储的全部内容（{snapshots} 个快照，{rows:,} 行客户数据）？此操作无法撤销。"),
    "ws_remove_yes": ("Yes, remove the demo", "是，删除演示工作区"),
    "ws_remove_no": ("Cancel", "取消"),
    "ws_demo_removed": ("Removed the demo workspace ({rows:,} customer rows).",
                        "已删除演示工作区（{rows:,} 行客户数据）。"),
    "ws_no_demo": ("There is no demo workspace.", "没有演示工作区。"),
    "ws_unknown": ("There is no workspace named {name}.", "没有名为 {name} 的工作区。"),
    "ws_name_empty": ("Give the workspace a name.", "请为工作区命名。"),
    "ws_name_taken": ("A workspace named {name} exists already: choose another name.",
                      "已有名为 {name} 的工作区：请换一个名称。"),
    "ws_registry_unreadable": ("The workspace list {path} cannot be read ({reason}): fix or remove "
                               "the file.", "无法读取工作区列表 {path}（{reason}）：请修复或删除该文件。"),
    "ws_server_unsupported": ("Workspaces on a {backend} server are not supported: the configured "
                              "store is used as it is.",
                              "不支持在 {backend} 服务器上创建工作区：仍使用已配置的存储。"),
    "ws_repeat_warning": ("This file looks like snapshot {previous} again: {ids} of its customer ids "
                          "are in it, {tenure} of those with an unchanged tenure, and {again} of "
                          "that snapshot's churners are churned again. Is it really a new month?",
                          "此文件看起来与快照 {previous} 重复：其中 {ids} 的客户编号已在该快照中，"
                          "其中 {tenure} 的在网时长未变，该快照的流失客户中有 {again} 再次标记为流失。这真的是新的月份吗？"),
    "ws_repeat_confirm": ("Yes, it is a new month: import it", "是的，这是新的月份：导入"),
    "cli_ws_demo_refused": ("{store} is the demo workspace ({name}): importing would mix your file "
                            "with the demo base. Import into your own workspace with --workspace "
                            "NAME (created if new), or add --into-demo to import into the demo anyway.",
                            "{store} 是演示工作区（{name}）：导入会把您的文件与演示数据混在一起。"
                            "请用 --workspace 名称 导入到您自己的工作区（不存在则新建），或加上 --into-demo 仍导入演示工作区。"),
    "cli_repeat_refused": ("{file} looks like snapshot {previous} again: {ids} of its customer ids "
                           "are in it, {tenure} of those with an unchanged tenure, {again} of its "
                           "churners churned again. If it is a new month, add --confirm-repeat.",
                           "{file} 看起来与快照 {previous} 重复：其中 {ids} 的客户编号已在该快照中，"
                           "其中 {tenure} 的在网时长未变，该快照的流失客户中有 {again} 再次流失。如确为新的月份，请加上 --confirm-repeat。"),
    "cli_ws_created": ("Created workspace {name} ({store}).", "已创建工作区 {name}（{store}）。"),
    "cli_demo_seeded_before": ("The demo was loaded here before; not loaded again (run without "
                               "--if-empty to load it anew).",
                               "此处曾加载过演示数据，不再重复加载（去掉 --if-empty 可重新加载）。"),
}
