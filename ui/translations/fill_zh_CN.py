#!/usr/bin/env python3
"""Fills brivl-studio_zh_CN.ts with the Simplified Chinese translations below.

Workflow after changing UI strings:
  /usr/lib/qt6/bin/lupdate ui app/studio_main.cpp -ts ui/translations/brivl-studio_zh_CN.ts -no-obsolete
  python3 ui/translations/fill_zh_CN.py       # then translate what it lists as missing
Strings without a translation stay "unfinished" and show in English.
"""
import os
import sys
import xml.etree.ElementTree as ET

ZH = {
    "Precision: bf16 for GPUs and CPUs with AVX512-BF16, fp16 for GPUs; int8 runs the text tower in dynamic int8 on the CPU (faster prompts and searches, images unchanged)":
        "精度：bf16 适用于 GPU 和支持 AVX512-BF16 的 CPU，fp16 适用于 GPU；int8 在 CPU 上以动态 int8 运行文本塔（提示词和搜索更快，图像不变）",
    "Prompt, e.g. 右下角的大紫色圆形 (preset layout) or 红心:1 | 蓝色:-0.5": "提示词，例如 右下角的大紫色圆形（预设 layout）或 红心:1 | 蓝色:-0.5",
    "draft, normal, best: the Fourier image at three levels of detail. layout: one flat shape, placed and coloured by screening 256 starts, for prompts that name a colour and a place (e.g. 右下角的大蓝色圆形)":
        "draft、normal、best：三种细节级别的傅里叶图像。layout：一个平面形状，通过筛选 256 个起点确定位置和颜色，适用于指明颜色和位置的提示词（例如 右下角的大蓝色圆形）",
    "Where?": "在哪里？",
    "Lays over the preview where the model sees the query: each of the model's 6×6 regions taken away in turn, hotter where the score depends on it more (brivl explain)":
        "在预览上叠加模型在哪里看到查询：依次去掉模型的 6×6 区域之一，得分越依赖的区域越热（brivl explain）",
    "The map of “%1” over this image (similarity %2)": "“%1”在此图像上的热图（相似度 %2）",
    "Where? failed": "“在哪里？”失败",
    "Where? (map of the prompt)": "在哪里？（提示词热图）",
    "Lays over the finished image where the model sees the prompt: each of its 6×6 regions taken away in turn, hotter where the score depends on it more (brivl explain)":
        "在完成的图像上叠加模型在哪里看到提示词：依次去掉其 6×6 区域之一，得分越依赖的区域越热（brivl explain）",
    "Where the model sees the prompt (similarity %1): hotter regions count more.": "模型在哪里看到提示词（相似度 %1）：越热的区域越重要。",
    "Nothing to explain: it needs a loaded model, an image and a prompt.": "无可解释：需要已加载的模型、一张图像和一个提示词。",
    "Near": "相近",
    "The indexed images nearest to the current image (Retrieve tab's index), refreshed with each preview. Double-click: search with it":
        "与当前图像最相近的已索引图像（检索页的索引），随每次预览刷新。双击：用它搜索",
    "Index a folder in the Retrieve tab to see here which real images the imagination is near.":
        "在检索页为文件夹建立索引后，这里会显示想象接近哪些真实图像。",
    "Finding the nearest indexed images failed": "查找最相近的已索引图像失败",
    "Morph into": "变形为",
    "none": "无",
    "Morph: a second prompt. After the search, the target moves from the prompt to this one step by step, and the filmstrip shows the image turning into it":
        "变形：第二个提示词。搜索之后，目标逐步从提示词移向它，胶片条显示图像如何变成它",
    " · morph %1 %": " · 变形 %1 %",
    'Number of soft ellipses when the image is "blobs"': "图像为“blobs”时柔和椭圆的数量",
    "Layout search: this many random starts run a few steps each; the one the model scores best on held-out views goes on":
        "布局搜索：这么多个随机起点各运行几步，模型在留出视图上评分最高的那个继续",
    "Steps each start of the layout search runs before they are compared": "布局搜索中每个起点在比较前运行的步数",
    "Screening: score this many random starts by one look each and give the best to the layout search (0 = off; pays with blobs)":
        "筛选：对这么多个随机起点各看一次并评分，把最好的交给布局搜索（0 = 关闭；适用于 blobs）",
    "Ellipses (blobs)": "椭圆数（blobs）",
    "Layout starts": "布局起点数",
    "Steps per start": "每个起点的步数",
    "Screened starts": "筛选的起点数",
    "screening starts: %1/%2 · similarity %3": "正在筛选起点：%1/%2 · 相似度 %3",
    "Dismiss": "关闭",
    "Intermediate frames: click or use the arrow keys to scrub": "中间帧：点击或用方向键浏览",
    "step %1": "第 %1 步",
    "Wheel: zoom · drag: pan · double-click: fit": "滚轮：缩放 · 拖动：平移 · 双击：适应窗口",
    "Type a prompt and press Start": "输入提示词，然后点击开始",
    "Similarity to the prompt": "与提示词的相似度",
    "step": "步数",
    "similarity": "相似度",
    "held-out views": "留出视图",
    "loss": "损失",
    "cosine": "余弦",
    "Stopped at step %1.": "已在第 %1 步停止。",
    "Failed.": "失败。",
    "Imagination failed": "想象失败",
    "Weighted terms: 雪地里的红色狐狸:1 | 室内:-0.5 (negative weights push away).":
        "加权词项：雪地里的红色狐狸:1 | 室内:-0.5（负权重表示远离）。",
    "Prompt, e.g. 雪地里的红色狐狸:1 | 室内:-0.5": "提示词，例如 雪地里的红色狐狸:1 | 室内:-0.5",
    "▶ Start": "▶ 开始",
    "■ Stop": "■ 停止",
    "‖ Pause": "‖ 暂停",
    "▶ Resume": "▶ 继续",
    " · paused": " · 已暂停",
    "Export progression…": "导出过程…",
    "The filmstrip's frames as a GIF or MP4 animation, or as a contact sheet (PNG)":
        "将胶片条中的帧导出为 GIF 或 MP4 动画，或导出为缩略图总览（PNG）",
    "GIF animation (*.gif)": "GIF 动画 (*.gif)",
    "MP4 video (*.mp4)": "MP4 视频 (*.mp4)",
    "Contact sheet (*.png)": "缩略图总览 (*.png)",
    "Export progression": "导出过程",
    "Exported %1 (%2 frames)": "已导出 %1（%2 帧）",
    "Settings restored from %1: press Start to run them again.": "已从 %1 恢复设置：点击开始即可重新运行。",
    "Cannot restore settings": "无法恢复设置",
    "Prompt:": "提示词：",
    "Settings": "设置",
    "Random": "随机",
    "A new random seed": "换一个随机种子",
    "Export PNG…": "导出 PNG…",
    "PNG with the settings embedded (brivl imagine --replay FILE reproduces it)":
        "嵌入全部设置的 PNG（brivl imagine --replay 文件 可重现）",
    "Preset": "预设",
    "Steps": "步数",
    "Size": "尺寸",
    "Seed": "种子",
    "Cutouts": "裁剪视图数",
    "Image": "图像参数化",
    "Learning rate": "学习率",
    "Preview every": "预览间隔",
    "No model loaded": "尚未加载模型",
    "Load a model first (the bar at the top).": "请先加载模型（顶部的模型栏）。",
    "Cannot start": "无法开始",
    "Starting…": "正在启动…",
    "step %1/%2 · similarity %3": "第 %1/%2 步 · 相似度 %3",
    " · held-out %1": " · 留出 %1",
    " · %1 it/s · ETA %2 s": " · %1 步/秒 · 剩余 %2 秒",
    " · done": " · 完成",
    "Export image": "导出图像",
    "Images (*.png *.jpg *.jpeg *.webp)": "图像 (*.png *.jpg *.jpeg *.webp)",
    "Exported %1 (replay: brivl imagine --replay \"%1\" -o again.png)":
        "已导出 %1（重现：brivl imagine --replay \"%1\" -o again.png）",
    "Export failed": "导出失败",
    "BriVL Studio": "BriVL 工作室",
    "Imagine": "想象",
    "Retrieve": "检索",
    "Train": "训练",
    "Welcome: type a prompt in Imagine, index a folder in Retrieve, or train a model.":
        "欢迎：在“想象”中输入提示词，在“检索”中为文件夹建立索引，或训练一个模型。",
    "Could not load the model %1": "无法加载模型 %1",
    "Model ready: %1": "模型已就绪：%1",
    "&Help": "帮助(&H)",
    "&About BriVL Studio": "关于 BriVL 工作室(&A)",
    "About &Qt": "关于 &Qt",
    "Open…": "打开…",
    "Model bundle: config.yml, a .pth or .safetensors checkpoint and vocab.txt (a training run folder works too)":
        "模型包：config.yml、一个 .pth 或 .safetensors 检查点和 vocab.txt（训练运行文件夹也可以）",
    "auto picks the GPU when there is one": "auto：有 GPU 时使用 GPU",
    "Model:": "模型：",
    "Device:": "设备：",
    "No model": "无模型",
    "\nChoose a model folder with Open…": "\n用“打开…”选择模型文件夹",
    "Choose a model bundle or run folder": "选择模型包或训练运行文件夹",
    "no model": "无模型",
    "loading %1 …": "正在加载 %1 …",
    "ready · %1 · %2 · loaded in %3 s": "就绪 · %1 · %2 · 用时 %3 秒",
    "GPU": "GPU",
    "CPU": "CPU",
    "failed to load %1": "加载 %1 失败",
    "Memory: %1": "内存：%1",
    "%1 (%2, checkpoint %3)": "%1（%2，检查点 %3）",
    "none loaded": "未加载",
    "<h3>BriVL Studio %1</h3><p>Imagine, retrieve and train with <b>BriVL</b>, the Chinese vision-language foundation model of Fei et al., <i>Towards artificial general intelligence via a multimodal foundation model</i>, Nature Communications 13:3094 (2022); official checkpoints load unchanged.</p><p><b>Model:</b> %2<br><b>Runtime:</b> %3<br><b>Qt:</b> %4</p><p>The embedded default model <i>brivl-emoji-small</i> was trained on <a href=\"https://openmoji.org\">OpenMoji</a> emoji (CC BY-SA 4.0) with Chinese names from <a href=\"https://github.com/milesj/emojibase\">emojibase</a> (MIT), and on synthetic shapes; see its MODEL_CARD.md.</p>":
        "<h3>BriVL 工作室 %1</h3><p>用 <b>BriVL</b> 进行想象、检索和训练。BriVL 是 Fei 等人提出的中文视觉-语言基础模型："
        "<i>Towards artificial general intelligence via a multimodal foundation model</i>，Nature Communications 13:3094 (2022)；"
        "官方检查点可原样加载。</p><p><b>模型：</b>%2<br><b>运行环境：</b>%3<br><b>Qt：</b>%4</p>"
        "<p>内置默认模型 <i>brivl-emoji-small</i> 使用 <a href=\"https://openmoji.org\">OpenMoji</a> 表情（CC BY-SA 4.0）、"
        "<a href=\"https://github.com/milesj/emojibase\">emojibase</a> 的中文名称（MIT）以及合成图形训练；详见其 MODEL_CARD.md。</p>",
    "About BriVL Studio": "关于 BriVL 工作室",
    "&Model card": "模型卡(&M)",
    "Model card": "模型卡",
    "The model %1 has no MODEL_CARD.md.": "模型 %1 没有 MODEL_CARD.md。",
    "No model loaded.": "尚未加载模型。",
    "Model card — %1": "模型卡 — %1",
    "No imagination yet": "还没有想象结果",
    "Run one in the Imagine tab first.": "请先在“想象”中运行一次。",
    "Search with the imagination": "用想象结果搜索",
    "Use the last image of the Imagine tab as the query": "用“想象”中的最新图像作为查询",
    "Cannot write %1": "无法写入 %1",
    "loading…": "加载中…",
    " (below the relevance cutoff)": "（低于相关性阈值）",
    "unreadable": "无法读取",
    "Loading the model for retrieval…": "正在为检索加载模型…",
    "Opening the index failed": "打开索引失败",
    "Indexing…": "正在建立索引…",
    "Indexing failed": "建立索引失败",
    "Removing the folder failed": "移除文件夹失败",
    "Search failed": "搜索失败",
    "Search by meaning: 海边的日落 | 人:-0.5   or   @/path/to/photo.jpg": "按语义搜索：海边的日落 | 人:-0.5   或   @/路径/照片.jpg",
    "Search": "搜索",
    "top ": "前 ",
    "Query:": "查询：",
    "Add a folder of images, then search it by meaning.": "添加一个图片文件夹，然后按语义搜索。",
    "More like this": "查找相似图片",
    "Open": "打开",
    "Open containing folder": "打开所在文件夹",
    "Copy path": "复制路径",
    "Indexing %1 / %2 …": "正在建立索引 %1 / %2 …",
    "%n image(s) indexed": "已索引 %n 张图片",
    "Folders": "文件夹",
    "Add folder…": "添加文件夹…",
    "Remove": "移除",
    "Update index": "更新索引",
    "Stop": "停止",
    "No model yet": "尚无模型",
    "Skipped files": "跳过的文件",
    "Preview": "预览",
    "Click a result.": "点击一个结果。",
    "Add a folder of images": "添加图片文件夹",
    "Searching…": "正在搜索…",
    "%1 images indexed (%2 new, %3 moved, %4 unchanged, %5 skipped, %6 removed) in %7 s":
        "已索引 %1 张图片（新增 %2，移动 %3，未变 %4，跳过 %5，移除 %6），用时 %7 秒",
    "%1 of %2 images stand out from the collection (score ≥ %3); weaker matches are greyed.":
        "%2 张图片中有 %1 张明显匹配（得分 ≥ %3）；较弱的匹配显示为灰色。",
    "%1 of %2 images (too few for a relevance cutoff).": "%2 张图片中的 %1 张（图片太少，无法确定相关性阈值）。",
    "<b>%1</b><br>%2<br>%3 × %4 px · %5 KB<br>score %6": "<b>%1</b><br>%2<br>%3 × %4 像素 · %5 KB<br>得分 %6",
    "Building the dataset failed": "生成数据集失败",
    "— output of %1:": "— %1 的输出：",
    "Training failed": "训练失败",
    "— %1": "— %1",
    "Choose a folder": "选择文件夹",
    "Choose a file": "选择文件",
    "Dataset": "数据集",
    "captions.csv / .tsv / .jsonl (image,text)": "captions.csv / .tsv / .jsonl（图像,文本）",
    "Build shapes dataset": "生成图形数据集",
    "Coloured shapes with Chinese captions (左上角的大红色圆形): a model learns them in minutes":
        "带中文描述的彩色图形（左上角的大红色圆形）：模型几分钟即可学会",
    "images of": "张图片，边长",
    "Data file": "数据文件",
    "<i>or build a synthetic one:</i>": "<i>或生成一个合成数据集：</i>",
    "Folder": "文件夹",
    "Images": "图片",
    "Run": "运行",
    "no limit": "不限",
    " min": " 分钟",
    "new run folder": "新的运行文件夹",
    "default: the default model's config.yml": "默认：默认模型的 config.yml",
    "default: vocab.txt next to the config": "默认：配置文件旁的 vocab.txt",
    "Epochs": "轮数",
    "Batch": "批大小",
    "Time limit": "时间限制",
    "Processes": "进程数",
    "BatchNorm prior": "BatchNorm 先验",
    "Optimiser": "优化器",
    "What is optimised: fourier (a smooth spectrum), pixel (a grid), blobs (a few soft shapes), basis (a blend of the principal components of the model's training images; needs the model's image_basis.safetensors, made by brivl basis)":
        "优化的对象：fourier（平滑的频谱）、pixel（像素网格）、blobs（几个柔和的形状）、basis（模型训练图像主成分的混合；需要模型的 image_basis.safetensors，由 brivl basis 生成）",
    "How a step follows the gradient: adam moves every pixel about the learning rate; gd follows the gradient itself and keeps the picture it points at (for models trained with aligned gradients)":
        "每一步如何跟随梯度：adam 让每个像素移动约一个学习率；gd 跟随梯度本身，保留它指向的图像（适用于以对齐梯度训练的模型）",
    "Feature-statistics prior: keeps the image tower's activations near what its BatchNorm layers saw in training (0 = off)":
        "特征统计先验：使图像塔的激活接近其 BatchNorm 层在训练中见到的统计（0 = 关闭）",
    "Processes on this machine (brivl train --nproc-per-node): each computes its share of every batch with cores / processes threads; the batch must be a multiple of it":
        "本机上的进程数（brivl train --nproc-per-node）：每个进程用 核心数 / 进程数 个线程计算每个批次中自己的一份；批次大小必须是它的倍数",
    "This build trains in one process (LibTorch's c10d with Gloo was not found when it was built)":
        "此构建只能单进程训练（构建时未找到 LibTorch 的 c10d 与 Gloo）",
    "Batch and processes do not fit": "批次与进程数不匹配",
    "A batch of %1 cannot be shared evenly by %2 processes: choose a batch that is a multiple of it.":
        "%1 的批次无法平均分给 %2 个进程：请选择它的倍数作为批次大小。",
    " · %1 processes": " · %1 个进程",
    "Run folder": "运行文件夹",
    "Model config": "模型配置",
    "Vocabulary": "词表",
    "▶ Launch": "▶ 启动",
    "Saves a checkpoint and stops; Resume continues": "保存检查点并停止；“继续”可接着训练",
    "Resume": "继续",
    "Open run…": "打开运行…",
    "Follow a run folder, also one started with brivl train": "跟踪一个运行文件夹（也可以是用 brivl train 启动的）",
    "Use this model": "使用此模型",
    "Load the run's best checkpoint as the studio's model": "将该运行的最佳检查点加载为工作室的模型",
    "Open a training run folder": "打开训练运行文件夹",
    "No run yet: build or choose a dataset, then Launch.": "尚无运行：生成或选择数据集，然后点击启动。",
    "Training": "训练",
    "R@1 text→image": "R@1 文本→图像",
    "loss image→text": "损失 图像→文本",
    "loss text→image": "损失 文本→图像",
    "Schedule and speed": "学习率与速度",
    "learning rate": "学习率",
    "samples/s": "样本/秒",
    "Smooth the loss": "平滑损失曲线",
    "Exponential moving average (0.9) of the loss curves; the raw points are kept": "损失曲线的指数移动平均（0.9）；原始数据点会保留",
    "Loss and recall": "损失与召回率",
    "Learning rate and speed": "学习率与速度",
    "R@1 image→text": "R@1 图像→文本",
    "recall@1 (validation)": "recall@1（验证集）",
    "The run's log (train.log) appears here.": "运行日志（train.log）显示在这里。",
    "No dataset": "没有数据集",
    "Choose a data file (CSV/TSV/JSONL with image,text) or build the shapes dataset.":
        "请选择数据文件（含 image,text 的 CSV/TSV/JSONL）或生成图形数据集。",
    "Cannot launch training": "无法启动训练",
    "Starting %1 …": "正在启动 %1 …",
    " · stopping (saving a checkpoint)…": " · 正在停止（保存检查点）…",
    "Cannot resume": "无法继续",
    "A run is going": "有运行正在进行",
    "Stop the current run before following another one.": "请先停止当前运行，再跟踪其他运行。",
    "Not a run folder": "不是运行文件夹",
    "%1 has no status.json (made by brivl train)": "%1 中没有 status.json（由 brivl train 生成）",
    "<b>%1</b> · step %2/%3 · epoch %4/%5": "<b>%1</b> · 第 %2/%3 步 · 第 %4/%5 轮",
    " · ETA %1": " · 剩余 %1",
    " · %1 elapsed": " · 已用 %1",
    " · best R@1 %1 / %2": " · 最佳 R@1 %1 / %2",
    "the training process crashed": "训练进程崩溃",
    "finished": "已完成",
    "stopped with a checkpoint (Resume continues it)": "已停止并保存检查点（“继续”可接着训练）",
    "failed (exit %1): %2": "失败（退出码 %1）：%2",
    "could not start %1: %2": "无法启动 %1：%2",
    "a training run is already going": "已有训练在进行",
    "the brivl program was not found next to the studio, in the build tree or on the PATH (set BRIVL_CLI)":
        "未找到 brivl 程序（工作室旁、构建目录和 PATH 中都没有；可设置 BRIVL_CLI）",
    # Imagine: history, queue, term helper
    "No imagination history": "没有想象历史",
    "%1 steps · %2 × %3 px · seed %4": "%1 步 · %2 × %3 像素 · 种子 %4",
    "similarity %1": "相似度 %1",
    "%1 s": "%1 秒",
    "Double-click to reopen; right-click to replay or delete": "双击重新打开；右键可重放或删除",
    "Some history files could not be read": "部分历史文件无法读取",
    "Reading the imagination history failed": "读取想象历史失败",
    "Delete imagination": "删除想象",
    "Delete “%1” from the history? Its image file is removed.": "从历史中删除“%1”？其图像文件将被删除。",
    "Deleting failed": "删除失败",
    "Reopen": "重新打开",
    "Replay": "重放",
    "Delete…": "删除…",
    "Queue": "队列",
    "History": "历史",
    "+ Queue": "+ 排队",
    "Run these settings after the current run (Ctrl+Enter)": "在当前运行结束后运行这些设置（Ctrl+Enter）",
    "Queued “%1” (%n job(s) waiting).": "已排队“%1”（%n 个任务等待中）。",
    "Starting “%1”…": "正在开始“%1”…",
    "Clear": "清空",
    "Jobs run one after another, each with the settings it was queued with. “+ Queue” (Ctrl+Enter) adds the form as it is now.":
        "任务依次运行，各自使用排队时的设置。“+ 排队”（Ctrl+Enter）按当前表单添加任务。",
    "%1\n%2 steps · %3 px · seed %4": "%1\n%2 步 · %3 像素 · 种子 %4",
    "Queue (%1)": "队列（%1）",
    "Saving to the history failed": "保存到历史失败",
    "Settings without a field here (regularisers, views, start image…) are those of %1. <a href=\"reset\">Use the defaults</a>":
        "此处没有字段的设置（正则项、视图、起始图像…）沿用 %1 的设置。<a href=\"reset\">改用默认值</a>",
    "Finish or stop the current run to reopen an earlier one.": "请先等待当前运行结束或停止它，再重新打开之前的结果。",
    "Cannot reopen": "无法重新打开",
    "%1 cannot be read": "无法读取 %1",
    "Reopened “%1” (%2)": "已重新打开“%1”（%2）",
    " · similarity %1": " · 相似度 %1",
    "+ Term": "+ 词项",
    "Add a weighted term: a positive weight pulls towards it, a negative one pushes away":
        "添加加权词项：正权重表示靠近，负权重表示远离",
    "e.g. 雪地 or 模糊": "例如 雪地 或 模糊",
    "Add": "添加",
    "Image…": "图像…",
    "A reference image as a term (@path): the imagination moves towards (or away from) what it shows":
        "以参考图像作为词项（@路径）：想象会靠近（或远离）它所呈现的内容",
    "Weights: 1 = like the main prompt, −0.5 = avoid": "权重：1 = 与主提示词相同，−0.5 = 避免",
    "Text": "文本",
    "Weight": "权重",
    "Reference image": "参考图像",
    "Images (*.png *.jpg *.jpeg *.webp *.bmp)": "图像 (*.png *.jpg *.jpeg *.webp *.bmp)",
    "Cannot add the term": "无法添加词项",
    # Retrieve: captions
    "Embedding the captions of %1…": "正在嵌入 %1 中的描述…",
    "Loading the captions failed": "加载描述失败",
    "Captioning failed": "生成描述排名失败",
    "%n caption(s) from %1": "%n 条描述，来自 %1",
    "No caption list": "没有描述列表",
    "Best captions": "最佳描述",
    "Ranks the texts of a list (one per line) for the selected image": "为所选图像对列表中的文本（每行一条）排序",
    "Caption list…": "描述列表…",
    "Embedding the captions…": "正在嵌入描述…",
    "Caption list (one text per line)": "描述列表（每行一条文本）",
    "Text files (*.txt);;All files (*)": "文本文件 (*.txt);;所有文件 (*)",
    # Train: runs, log scale
    "Folder…": "文件夹…",
    "A folder with training runs (also runs started with brivl train --out)": "包含训练运行的文件夹（也包括用 brivl train --out 启动的运行）",
    "Refresh": "刷新",
    "Double-click a run to follow it": "双击某个运行以跟踪它",
    "Folder with training runs": "训练运行所在的文件夹",
    "status.json unreadable": "status.json 无法读取",
    "interrupted (resumable)": "已中断（可继续）",
    "%1 · step %2/%3": "%1 · 第 %2/%3 步",
    " · R@1 %1": " · R@1 %1",
    " (no runs yet)": "（还没有运行）",
    "Runs": "运行记录",
    "Log scale": "对数坐标",
    "running": "运行中",
    "stopped (resumable)": "已停止（可继续）",
    "time limit reached (resumable)": "已达时间限制（可继续）",
    "failed": "失败",
    "Caption list": "描述列表",
    "Embedding the captions was stopped.": "描述嵌入已停止。",
    "Embedding the captions for the new model…": "正在为新模型嵌入描述…",
    "Load the official model files": "加载官方模型文件",
    "The three files of a released BriVL model, unchanged: the config (brivl-nmi cfg/eval.yml), the checkpoint and the vocabulary (hfl/chinese-roberta-wwm-ext vocab.txt).":
        "已发布 BriVL 模型的三个原始文件：配置（brivl-nmi cfg/eval.yml）、检查点和词表（hfl/chinese-roberta-wwm-ext vocab.txt）。",
    "Config": "配置",
    "YAML (*.yml *.yaml);;All files (*)": "YAML (*.yml *.yaml);;所有文件 (*)",
    "Checkpoint": "检查点",
    "Checkpoints (*.pth *.pt *.safetensors);;All files (*)": "检查点 (*.pth *.pt *.safetensors);;所有文件 (*)",
    "Vocabulary": "词表",
    "Load": "加载",
    "config": "配置",
    "checkpoint": "检查点",
    "vocabulary": "词表",
    "Choose the %1 file.": "请选择%1文件。",
    "The %1 file %2 does not exist.": "%1文件 %2 不存在。",
    "Model folder…": "模型文件夹…",
    "Official files (config, checkpoint, vocab)…": "官方文件（配置、检查点、词表）…",
    "Reading the checkpoint": "正在读取检查点",
    "Advanced": "高级",
    "Total-variation weight: higher gives smoother, less noisy images": "全变分权重：越高图像越平滑、噪点越少",
    "Keeps pixels away from pure black/white, where they stop changing": "让像素远离纯黑/纯白（在那里它们不再变化）",
    "Random keystone tilt of each view (0 = off): images that hold up from other angles":
        "每个视图随机的梯形透视倾斜（0 = 关闭）：让图像从其他角度看也成立",
    "Smallest cutout, as a fraction of the image side": "最小裁剪，占图像边长的比例",
    "1 = start exactly at the start image, 0 = ignore it": "1 = 完全从起始图像开始，0 = 忽略它",
    "none: start from noise": "无：从噪声开始",
    "Start image": "起始图像",
    "Smoothness (TV)": "平滑度（TV）",
    "Range penalty": "范围惩罚",
    "Perspective": "透视",
    "Smallest cutout": "最小裁剪",
    "Jitter": "抖动",
    "Rotation": "旋转",
    "Colour jitter": "颜色抖动",
    "Pixel noise": "像素噪声",
    "Start strength": "起始强度",
    "Restored from %1, also what has no field here (text length, largest cutout). <a href=\"reset\">Forget it</a>":
        "已从 %1 恢复，包括此处没有字段的设置（文本长度、最大裁剪）。<a href=\"reset\">不再使用</a>",
    "A logarithmic loss axis: late, small improvements stay visible": "损失使用对数坐标轴：后期的微小改进也清晰可见",
}


def main():
    ts = os.path.join(os.path.dirname(os.path.abspath(__file__)), "brivl-studio_zh_CN.ts")
    tree = ET.parse(ts)
    # lupdate 6.4 does not follow C++17 nested namespaces (`namespace brivl::ui {`), so it names
    # contexts "MainWindow" where tr() at run time asks for "brivl::ui::MainWindow".
    for context in tree.iter("context"):
        name = context.find("name")
        if name.text != "QObject" and "::" not in name.text:
            name.text = "brivl::ui::" + name.text
    missing = []
    for message in tree.iter("message"):
        source = message.find("source").text or ""
        translation = message.find("translation")
        if source not in ZH:
            missing.append(source)
            continue
        translation.attrib.pop("type", None)
        if message.get("numerus") == "yes":
            for child in list(translation):
                translation.remove(child)
            form = ET.SubElement(translation, "numerusform")
            form.text = ZH[source]
            translation.text = None
        else:
            translation.text = ZH[source]
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    for source in missing:
        print("missing:", source, file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
