<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>brivl::ui::ErrorPanel</name>
    <message>
        <location filename="../error_panel.cpp" line="20" />
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>brivl::ui::ExplainRunner</name>
    <message>
        <location filename="../explain_runner.cpp" line="41" />
        <source>Nothing to explain: it needs a loaded model, an image and a prompt.</source>
        <translation>无可解释：需要已加载的模型、一张图像和一个提示词。</translation>
    </message>
</context>
<context>
    <name>brivl::ui::Filmstrip</name>
    <message>
        <location filename="../filmstrip.cpp" line="25" />
        <source>Intermediate frames: click or use the arrow keys to scrub</source>
        <translation>中间帧：点击或用方向键浏览</translation>
    </message>
    <message>
        <location filename="../filmstrip.cpp" line="38" />
        <source>step %1</source>
        <translation>第 %1 步</translation>
    </message>
</context>
<context>
    <name>brivl::ui::HistoryGallery</name>
    <message>
        <location filename="../history_gallery.cpp" line="53" />
        <source>No imagination history</source>
        <translation>没有想象历史</translation>
    </message>
    <message>
        <location filename="../history_gallery.cpp" line="83" />
        <source>%1 steps · %2 × %3 px · seed %4</source>
        <translation>%1 步 · %2 × %3 像素 · 种子 %4</translation>
    </message>
    <message>
        <location filename="../history_gallery.cpp" line="84" />
        <source>similarity %1</source>
        <translation>相似度 %1</translation>
    </message>
    <message>
        <location filename="../history_gallery.cpp" line="85" />
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <location filename="../history_gallery.cpp" line="87" />
        <source>Double-click to reopen; right-click to replay or delete</source>
        <translation>双击重新打开；右键可重放或删除</translation>
    </message>
    <message>
        <location filename="../history_gallery.cpp" line="129" />
        <source>Some history files could not be read</source>
        <translation>部分历史文件无法读取</translation>
    </message>
    <message>
        <location filename="../history_gallery.cpp" line="223" />
        <source>Delete imagination</source>
        <translation>删除想象</translation>
    </message>
    <message>
        <location filename="../history_gallery.cpp" line="223" />
        <source>Delete “%1” from the history? Its image file is removed.</source>
        <translation>从历史中删除“%1”？其图像文件将被删除。</translation>
    </message>
    <message>
        <location filename="../history_gallery.cpp" line="229" />
        <source>Deleting failed</source>
        <translation>删除失败</translation>
    </message>
    <message>
        <location filename="../history_gallery.cpp" line="247" />
        <source>Reopen</source>
        <translation>重新打开</translation>
    </message>
    <message>
        <location filename="../history_gallery.cpp" line="250" />
        <source>Replay</source>
        <translation>重放</translation>
    </message>
    <message>
        <location filename="../history_gallery.cpp" line="254" />
        <source>Open containing folder</source>
        <translation>打开所在文件夹</translation>
    </message>
    <message>
        <location filename="../history_gallery.cpp" line="256" />
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
</context>
<context>
    <name>brivl::ui::ImageCanvas</name>
    <message>
        <location filename="../image_canvas.cpp" line="21" />
        <source>Wheel: zoom · drag: pan · double-click: fit</source>
        <translation>滚轮：缩放 · 拖动：平移 · 双击：适应窗口</translation>
    </message>
    <message>
        <location filename="../image_canvas.cpp" line="67" />
        <source>Type a prompt and press Start</source>
        <translation>输入提示词，然后点击开始</translation>
    </message>
</context>
<context>
    <name>brivl::ui::ImaginePanel</name>
    <message>
        <location filename="../imagine_panel.cpp" line="62" />
        <source>Similarity to the prompt</source>
        <translation>与提示词的相似度</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="62" />
        <source>step</source>
        <translation>步数</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="68" />
        <source>similarity</source>
        <translation>相似度</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="69" />
        <source>held-out views</source>
        <translation>留出视图</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="70" />
        <location filename="../imagine_panel.cpp" line="72" />
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="71" />
        <source>cosine</source>
        <translation>余弦</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="89" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="90" />
        <location filename="../imagine_panel.cpp" line="548" />
        <source>Queue</source>
        <translation>队列</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="91" />
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="112" />
        <source>Stopped at step %1.</source>
        <translation>已在第 %1 步停止。</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="118" />
        <source>Failed.</source>
        <translation>失败。</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="119" />
        <source>Imagination failed</source>
        <translation>想象失败</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="140" />
        <source>Weighted terms: 雪地里的红色狐狸:1 | 室内:-0.5 (negative weights push away).</source>
        <translation>加权词项：雪地里的红色狐狸:1 | 室内:-0.5（负权重表示远离）。</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="150" />
        <source>Prompt, e.g. 右下角的大紫色圆形 (preset layout) or 红心:1 | 蓝色:-0.5</source>
        <translation>提示词，例如 右下角的大紫色圆形（预设 layout）或 红心:1 | 蓝色:-0.5</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="153" />
        <source>▶ Start</source>
        <translation>▶ 开始</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="156" />
        <source>■ Stop</source>
        <translation>■ 停止</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="158" />
        <location filename="../imagine_panel.cpp" line="560" />
        <source>‖ Pause</source>
        <translation>‖ 暂停</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="161" />
        <source>+ Queue</source>
        <translation>+ 排队</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="163" />
        <source>Run these settings after the current run (Ctrl+Enter)</source>
        <translation>在当前运行结束后运行这些设置（Ctrl+Enter）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="169" />
        <source>Prompt:</source>
        <translation>提示词：</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="190" />
        <source>draft, normal, best: the Fourier image at three levels of detail. layout: one flat shape, placed and coloured by screening 256 starts, for prompts that name a colour and a place (e.g. 右下角的大蓝色圆形)</source>
        <translation>draft、normal、best：三种细节级别的傅里叶图像。layout：一个平面形状，通过筛选 256 个起点确定位置和颜色，适用于指明颜色和位置的提示词（例如 右下角的大蓝色圆形）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="203" />
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="204" />
        <source>Morph: a second prompt. After the search, the target moves from the prompt to this one step by step, and the filmstrip shows the image turning into it</source>
        <translation>变形：第二个提示词。搜索之后，目标逐步从提示词移向它，胶片条显示图像如何变成它</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="211" />
        <source>What is optimised: fourier (a smooth spectrum), pixel (a grid), blobs (a few soft shapes), basis (a blend of the principal components of the model's training images; needs the model's image_basis.safetensors, made by brivl basis)</source>
        <translation>优化的对象：fourier（平滑的频谱）、pixel（像素网格）、blobs（几个柔和的形状）、basis（模型训练图像主成分的混合；需要模型的 image_basis.safetensors，由 brivl basis 生成）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="216" />
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="217" />
        <source>A new random seed</source>
        <translation>换一个随机种子</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="222" />
        <source>Where? (map of the prompt)</source>
        <translation>在哪里？（提示词热图）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="225" />
        <source>Lays over the finished image where the model sees the prompt: each of its 6×6 regions taken away in turn, hotter where the score depends on it more (brivl explain)</source>
        <translation>在完成的图像上叠加模型在哪里看到提示词：依次去掉其 6×6 区域之一，得分越依赖的区域越热（brivl explain）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="231" />
        <source>Where the model sees the prompt (similarity %1): hotter regions count more.</source>
        <translation>模型在哪里看到提示词（相似度 %1）：越热的区域越重要。</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="235" />
        <source>Where? failed</source>
        <translation>“在哪里？”失败</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="237" />
        <source>Export PNG…</source>
        <translation>导出 PNG…</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="239" />
        <source>PNG with the settings embedded (brivl imagine --replay FILE reproduces it)</source>
        <translation>嵌入全部设置的 PNG（brivl imagine --replay 文件 可重现）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="240" />
        <source>Export progression…</source>
        <translation>导出过程…</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="242" />
        <source>The filmstrip's frames as a GIF or MP4 animation, or as a contact sheet (PNG)</source>
        <translation>将胶片条中的帧导出为 GIF 或 MP4 动画，或导出为缩略图总览（PNG）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="245" />
        <source>Preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="246" />
        <source>Morph into</source>
        <translation>变形为</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="247" />
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="248" />
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="249" />
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="250" />
        <source>Cutouts</source>
        <translation>裁剪视图数</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="251" />
        <source>Image</source>
        <translation>图像参数化</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="252" />
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="253" />
        <source>Preview every</source>
        <translation>预览间隔</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="256" />
        <source>Advanced</source>
        <translation>高级</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="323" />
        <source>Total-variation weight: higher gives smoother, less noisy images</source>
        <translation>全变分权重：越高图像越平滑、噪点越少</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="325" />
        <source>Keeps pixels away from pure black/white, where they stop changing</source>
        <translation>让像素远离纯黑/纯白（在那里它们不再变化）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="327" />
        <source>Feature-statistics prior: keeps the image tower's activations near what its BatchNorm layers saw in training (0 = off)</source>
        <translation>特征统计先验：使图像塔的激活接近其 BatchNorm 层在训练中见到的统计（0 = 关闭）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="330" />
        <source>Random keystone tilt of each view (0 = off): images that hold up from other angles</source>
        <translation>每个视图随机的梯形透视倾斜（0 = 关闭）：让图像从其他角度看也成立</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="332" />
        <source>Smallest cutout, as a fraction of the image side</source>
        <translation>最小裁剪，占图像边长的比例</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="343" />
        <source>How a step follows the gradient: adam moves every pixel about the learning rate; gd follows the gradient itself and keeps the picture it points at (for models trained with aligned gradients)</source>
        <translation>每一步如何跟随梯度：adam 让每个像素移动约一个学习率；gd 跟随梯度本身，保留它指向的图像（适用于以对齐梯度训练的模型）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="347" />
        <source>Number of soft ellipses when the image is "blobs"</source>
        <translation>图像为“blobs”时柔和椭圆的数量</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="349" />
        <source>Layout search: this many random starts run a few steps each; the one the model scores best on held-out views goes on</source>
        <translation>布局搜索：这么多个随机起点各运行几步，模型在留出视图上评分最高的那个继续</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="352" />
        <source>Steps each start of the layout search runs before they are compared</source>
        <translation>布局搜索中每个起点在比较前运行的步数</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="355" />
        <source>Screening: score this many random starts by one look each and give the best to the layout search (0 = off; pays with blobs)</source>
        <translation>筛选：对这么多个随机起点各看一次并评分，把最好的交给布局搜索（0 = 关闭；适用于 blobs）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="358" />
        <source>1 = start exactly at the start image, 0 = ignore it</source>
        <translation>1 = 完全从起始图像开始，0 = 忽略它</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="360" />
        <source>none: start from noise</source>
        <translation>无：从噪声开始</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="361" />
        <location filename="../imagine_panel.cpp" line="382" />
        <source>Start image</source>
        <translation>起始图像</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="362" />
        <source>Images (*.png *.jpg *.jpeg *.webp *.bmp)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.webp *.bmp)</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="368" />
        <source>Optimiser</source>
        <translation>优化器</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="369" />
        <source>Smoothness (TV)</source>
        <translation>平滑度（TV）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="370" />
        <source>Range penalty</source>
        <translation>范围惩罚</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="371" />
        <source>BatchNorm prior</source>
        <translation>BatchNorm 先验</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="372" />
        <source>Perspective</source>
        <translation>透视</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="373" />
        <source>Smallest cutout</source>
        <translation>最小裁剪</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="374" />
        <source>Jitter</source>
        <translation>抖动</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="375" />
        <source>Rotation</source>
        <translation>旋转</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="376" />
        <source>Colour jitter</source>
        <translation>颜色抖动</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="377" />
        <source>Pixel noise</source>
        <translation>像素噪声</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="378" />
        <source>Ellipses (blobs)</source>
        <translation>椭圆数（blobs）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="379" />
        <source>Layout starts</source>
        <translation>布局起点数</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="380" />
        <source>Steps per start</source>
        <translation>每个起点的步数</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="381" />
        <source>Screened starts</source>
        <translation>筛选的起点数</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="383" />
        <source>Start strength</source>
        <translation>起始强度</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="455" />
        <source>Cannot start</source>
        <translation>无法开始</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="468" />
        <source>No model loaded</source>
        <translation>尚未加载模型</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="468" />
        <source>Load a model first (the bar at the top).</source>
        <translation>请先加载模型（顶部的模型栏）。</translation>
    </message>
    <message numerus="yes">
        <location filename="../imagine_panel.cpp" line="482" />
        <source>Queued “%1” (%n job(s) waiting).</source>
        <translation><numerusform>已排队“%1”（%n 个任务等待中）。</numerusform></translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="508" />
        <source>Starting “%1”…</source>
        <translation>正在开始“%1”…</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="519" />
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="520" />
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="521" />
        <source>Jobs run one after another, each with the settings it was queued with. “+ Queue” (Ctrl+Enter) adds the form as it is now.</source>
        <translation>任务依次运行，各自使用排队时的设置。“+ 排队”（Ctrl+Enter）按当前表单添加任务。</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="545" />
        <source>%1
%2 steps · %3 px · seed %4</source>
        <translation>%1
%2 步 · %3 像素 · 种子 %4</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="548" />
        <source>Queue (%1)</source>
        <translation>队列（%1）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="560" />
        <source>▶ Resume</source>
        <translation>▶ 继续</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="561" />
        <source> · paused</source>
        <translation> · 已暂停</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="580" />
        <source>screening starts: %1/%2 · similarity %3</source>
        <translation>正在筛选起点：%1/%2 · 相似度 %3</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="589" />
        <source>step %1/%2 · similarity %3</source>
        <translation>第 %1/%2 步 · 相似度 %3</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="590" />
        <source> · held-out %1</source>
        <translation> · 留出 %1</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="591" />
        <source> · morph %1 %</source>
        <translation> · 变形 %1 %</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="592" />
        <source> · %1 it/s · ETA %2 s</source>
        <translation> · %1 步/秒 · 剩余 %2 秒</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="633" />
        <source> · done</source>
        <translation> · 完成</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="642" />
        <source>Saving to the history failed</source>
        <translation>保存到历史失败</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="669" />
        <source>Export image</source>
        <translation>导出图像</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="669" />
        <source>Images (*.png *.jpg *.jpeg *.webp)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.webp)</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="673" />
        <source>Exported %1 (replay: brivl imagine --replay "%1" -o again.png)</source>
        <translation>已导出 %1（重现：brivl imagine --replay "%1" -o again.png）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="675" />
        <location filename="../imagine_panel.cpp" line="706" />
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="697" />
        <source>GIF animation (*.gif)</source>
        <translation>GIF 动画 (*.gif)</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="698" />
        <source>MP4 video (*.mp4)</source>
        <translation>MP4 视频 (*.mp4)</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="699" />
        <source>Contact sheet (*.png)</source>
        <translation>缩略图总览 (*.png)</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="700" />
        <source>Export progression</source>
        <translation>导出过程</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="704" />
        <source>Exported %1 (%2 frames)</source>
        <translation>已导出 %1（%2 帧）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="715" />
        <source>Settings restored from %1: press Start to run them again.</source>
        <translation>已从 %1 恢复设置：点击开始即可重新运行。</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="746" />
        <source>Restored from %1, also what has no field here (text length, largest cutout). &lt;a href="reset"&gt;Forget it&lt;/a&gt;</source>
        <translation>已从 %1 恢复，包括此处没有字段的设置（文本长度、最大裁剪）。&lt;a href="reset"&gt;不再使用&lt;/a&gt;</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="754" />
        <source>Finish or stop the current run to reopen an earlier one.</source>
        <translation>请先等待当前运行结束或停止它，再重新打开之前的结果。</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="760" />
        <source>Cannot reopen</source>
        <translation>无法重新打开</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="760" />
        <source>%1 cannot be read</source>
        <translation>无法读取 %1</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="777" />
        <source>Reopened “%1” (%2)</source>
        <translation>已重新打开“%1”（%2）</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="778" />
        <source> · similarity %1</source>
        <translation> · 相似度 %1</translation>
    </message>
    <message>
        <location filename="../imagine_panel.cpp" line="801" />
        <source>Cannot restore settings</source>
        <translation>无法恢复设置</translation>
    </message>
</context>
<context>
    <name>brivl::ui::MainWindow</name>
    <message>
        <location filename="../main_window.cpp" line="31" />
        <source>BriVL Studio</source>
        <translation>BriVL 工作室</translation>
    </message>
    <message>
        <location filename="../main_window.cpp" line="33" />
        <source>Imagine</source>
        <translation>想象</translation>
    </message>
    <message>
        <location filename="../main_window.cpp" line="34" />
        <source>Retrieve</source>
        <translation>检索</translation>
    </message>
    <message>
        <location filename="../main_window.cpp" line="35" />
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../main_window.cpp" line="46" />
        <source>Welcome: type a prompt in Imagine, index a folder in Retrieve, or train a model.</source>
        <translation>欢迎：在“想象”中输入提示词，在“检索”中为文件夹建立索引，或训练一个模型。</translation>
    </message>
    <message>
        <location filename="../main_window.cpp" line="53" />
        <source>Could not load the model %1</source>
        <translation>无法加载模型 %1</translation>
    </message>
    <message>
        <location filename="../main_window.cpp" line="57" />
        <source>Model ready: %1</source>
        <translation>模型已就绪：%1</translation>
    </message>
    <message>
        <location filename="../main_window.cpp" line="61" />
        <source>No imagination yet</source>
        <translation>还没有想象结果</translation>
    </message>
    <message>
        <location filename="../main_window.cpp" line="61" />
        <source>Run one in the Imagine tab first.</source>
        <translation>请先在“想象”中运行一次。</translation>
    </message>
    <message>
        <location filename="../main_window.cpp" line="105" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../main_window.cpp" line="106" />
        <source>&amp;Model card</source>
        <translation>模型卡(&amp;M)</translation>
    </message>
    <message>
        <location filename="../main_window.cpp" line="107" />
        <source>&amp;About BriVL Studio</source>
        <translation>关于 BriVL 工作室(&amp;A)</translation>
    </message>
    <message>
        <location filename="../main_window.cpp" line="108" />
        <source>About &amp;Qt</source>
        <translation>关于 &amp;Qt</translation>
    </message>
</context>
<context>
    <name>brivl::ui::ModelBar</name>
    <message>
        <location filename="../model_bar.cpp" line="48" />
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="59" />
        <source>Model bundle: config.yml, a .pth or .safetensors checkpoint and vocab.txt (a training run folder works too)</source>
        <translation>模型包：config.yml、一个 .pth 或 .safetensors 检查点和 vocab.txt（训练运行文件夹也可以）</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="63" />
        <source>auto picks the GPU when there is one</source>
        <translation>auto：有 GPU 时使用 GPU</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="66" />
        <source>Precision: bf16 for GPUs and CPUs with AVX512-BF16, fp16 for GPUs; int8 runs the text tower in dynamic int8 on the CPU (faster prompts and searches, images unchanged)</source>
        <translation>精度：bf16 适用于 GPU 和支持 AVX512-BF16 的 CPU，fp16 适用于 GPU；int8 在 CPU 上以动态 int8 运行文本塔（提示词和搜索更快，图像不变）</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="76" />
        <source>Reading the checkpoint</source>
        <translation>正在读取检查点</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="85" />
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="89" />
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="102" />
        <source>Model folder…</source>
        <translation>模型文件夹…</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="103" />
        <source>Official files (config, checkpoint, vocab)…</source>
        <translation>官方文件（配置、检查点、词表）…</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="126" />
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="126" />
        <source>
Choose a model folder with Open…</source>
        <translation>
用“打开…”选择模型文件夹</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="156" />
        <source>Choose a model bundle or run folder</source>
        <translation>选择模型包或训练运行文件夹</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="206" />
        <source>no model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="211" />
        <source>loading %1 …</source>
        <translation>正在加载 %1 …</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="216" />
        <source>ready · %1 · %2 · loaded in %3 s</source>
        <translation>就绪 · %1 · %2 · 用时 %3 秒</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="217" />
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="217" />
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="223" />
        <source>failed to load %1</source>
        <translation>加载 %1 失败</translation>
    </message>
    <message>
        <location filename="../model_bar.cpp" line="233" />
        <source>Memory: %1</source>
        <translation>内存：%1</translation>
    </message>
</context>
<context>
    <name>brivl::ui::ModelFilesDialog</name>
    <message>
        <location filename="../model_files_dialog.cpp" line="16" />
        <source>Load the official model files</source>
        <translation>加载官方模型文件</translation>
    </message>
    <message>
        <location filename="../model_files_dialog.cpp" line="17" />
        <source>The three files of a released BriVL model, unchanged: the config (brivl-nmi cfg/eval.yml), the checkpoint and the vocabulary (hfl/chinese-roberta-wwm-ext vocab.txt).</source>
        <translation>已发布 BriVL 模型的三个原始文件：配置（brivl-nmi cfg/eval.yml）、检查点和词表（hfl/chinese-roberta-wwm-ext vocab.txt）。</translation>
    </message>
    <message>
        <location filename="../model_files_dialog.cpp" line="22" />
        <source>Config</source>
        <translation>配置</translation>
    </message>
    <message>
        <location filename="../model_files_dialog.cpp" line="22" />
        <source>YAML (*.yml *.yaml);;All files (*)</source>
        <translation>YAML (*.yml *.yaml);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../model_files_dialog.cpp" line="23" />
        <source>Checkpoint</source>
        <translation>检查点</translation>
    </message>
    <message>
        <location filename="../model_files_dialog.cpp" line="23" />
        <source>Checkpoints (*.pth *.pt *.safetensors);;All files (*)</source>
        <translation>检查点 (*.pth *.pt *.safetensors);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../model_files_dialog.cpp" line="24" />
        <source>Vocabulary</source>
        <translation>词表</translation>
    </message>
    <message>
        <location filename="../model_files_dialog.cpp" line="24" />
        <source>Text files (*.txt);;All files (*)</source>
        <translation>文本文件 (*.txt);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../model_files_dialog.cpp" line="29" />
        <source>Load</source>
        <translation>加载</translation>
    </message>
    <message>
        <location filename="../model_files_dialog.cpp" line="70" />
        <source>config</source>
        <translation>配置</translation>
    </message>
    <message>
        <location filename="../model_files_dialog.cpp" line="70" />
        <source>checkpoint</source>
        <translation>检查点</translation>
    </message>
    <message>
        <location filename="../model_files_dialog.cpp" line="70" />
        <source>vocabulary</source>
        <translation>词表</translation>
    </message>
    <message>
        <location filename="../model_files_dialog.cpp" line="74" />
        <source>Choose the %1 file.</source>
        <translation>请选择%1文件。</translation>
    </message>
    <message>
        <location filename="../model_files_dialog.cpp" line="76" />
        <source>The %1 file %2 does not exist.</source>
        <translation>%1文件 %2 不存在。</translation>
    </message>
</context>
<context>
    <name>brivl::ui::NearStrip</name>
    <message>
        <location filename="../near_strip.cpp" line="34" />
        <source>The indexed images nearest to the current image (Retrieve tab's index), refreshed with each preview. Double-click: search with it</source>
        <translation>与当前图像最相近的已索引图像（检索页的索引），随每次预览刷新。双击：用它搜索</translation>
    </message>
    <message>
        <location filename="../near_strip.cpp" line="38" />
        <source>Index a folder in the Retrieve tab to see here which real images the imagination is near.</source>
        <translation>在检索页为文件夹建立索引后，这里会显示想象接近哪些真实图像。</translation>
    </message>
    <message>
        <location filename="../near_strip.cpp" line="40" />
        <source>Near</source>
        <translation>相近</translation>
    </message>
</context>
<context>
    <name>brivl::ui::PromptTermButton</name>
    <message>
        <location filename="../prompt_term_button.cpp" line="23" />
        <source>+ Term</source>
        <translation>+ 词项</translation>
    </message>
    <message>
        <location filename="../prompt_term_button.cpp" line="24" />
        <source>Add a weighted term: a positive weight pulls towards it, a negative one pushes away</source>
        <translation>添加加权词项：正权重表示靠近，负权重表示远离</translation>
    </message>
    <message>
        <location filename="../prompt_term_button.cpp" line="31" />
        <source>e.g. 雪地 or 模糊</source>
        <translation>例如 雪地 或 模糊</translation>
    </message>
    <message>
        <location filename="../prompt_term_button.cpp" line="38" />
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <location filename="../prompt_term_button.cpp" line="40" />
        <source>Image…</source>
        <translation>图像…</translation>
    </message>
    <message>
        <location filename="../prompt_term_button.cpp" line="41" />
        <source>A reference image as a term (@path): the imagination moves towards (or away from) what it shows</source>
        <translation>以参考图像作为词项（@路径）：想象会靠近（或远离）它所呈现的内容</translation>
    </message>
    <message>
        <location filename="../prompt_term_button.cpp" line="42" />
        <source>Weights: 1 = like the main prompt, −0.5 = avoid</source>
        <translation>权重：1 = 与主提示词相同，−0.5 = 避免</translation>
    </message>
    <message>
        <location filename="../prompt_term_button.cpp" line="49" />
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <location filename="../prompt_term_button.cpp" line="50" />
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <location filename="../prompt_term_button.cpp" line="67" />
        <source>Reference image</source>
        <translation>参考图像</translation>
    </message>
    <message>
        <location filename="../prompt_term_button.cpp" line="67" />
        <source>Images (*.png *.jpg *.jpeg *.webp *.bmp)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.webp *.bmp)</translation>
    </message>
    <message>
        <location filename="../prompt_term_button.cpp" line="76" />
        <source>Cannot add the term</source>
        <translation>无法添加词项</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <location filename="../about_dialog.cpp" line="22" />
        <source>%1 (%2, checkpoint %3)</source>
        <translation>%1（%2，检查点 %3）</translation>
    </message>
    <message>
        <location filename="../about_dialog.cpp" line="24" />
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <location filename="../about_dialog.cpp" line="24" />
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../about_dialog.cpp" line="26" />
        <source>none loaded</source>
        <translation>未加载</translation>
    </message>
    <message>
        <location filename="../about_dialog.cpp" line="28" />
        <source>&lt;h3&gt;BriVL Studio %1&lt;/h3&gt;&lt;p&gt;Imagine, retrieve and train with &lt;b&gt;BriVL&lt;/b&gt;, the Chinese vision-language foundation model of Fei et al., &lt;i&gt;Towards artificial general intelligence via a multimodal foundation model&lt;/i&gt;, Nature Communications 13:3094 (2022); official checkpoints load unchanged.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Model:&lt;/b&gt; %2&lt;br&gt;&lt;b&gt;Runtime:&lt;/b&gt; %3&lt;br&gt;&lt;b&gt;Qt:&lt;/b&gt; %4&lt;/p&gt;&lt;p&gt;The embedded default model &lt;i&gt;brivl-emoji-small&lt;/i&gt; was trained on &lt;a href="https://openmoji.org"&gt;OpenMoji&lt;/a&gt; emoji (CC BY-SA 4.0) with Chinese names from &lt;a href="https://github.com/milesj/emojibase"&gt;emojibase&lt;/a&gt; (MIT), and on synthetic shapes; see its MODEL_CARD.md.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;BriVL 工作室 %1&lt;/h3&gt;&lt;p&gt;用 &lt;b&gt;BriVL&lt;/b&gt; 进行想象、检索和训练。BriVL 是 Fei 等人提出的中文视觉-语言基础模型：&lt;i&gt;Towards artificial general intelligence via a multimodal foundation model&lt;/i&gt;，Nature Communications 13:3094 (2022)；官方检查点可原样加载。&lt;/p&gt;&lt;p&gt;&lt;b&gt;模型：&lt;/b&gt;%2&lt;br&gt;&lt;b&gt;运行环境：&lt;/b&gt;%3&lt;br&gt;&lt;b&gt;Qt：&lt;/b&gt;%4&lt;/p&gt;&lt;p&gt;内置默认模型 &lt;i&gt;brivl-emoji-small&lt;/i&gt; 使用 &lt;a href="https://openmoji.org"&gt;OpenMoji&lt;/a&gt; 表情（CC BY-SA 4.0）、&lt;a href="https://github.com/milesj/emojibase"&gt;emojibase&lt;/a&gt; 的中文名称（MIT）以及合成图形训练；详见其 MODEL_CARD.md。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../about_dialog.cpp" line="40" />
        <source>About BriVL Studio</source>
        <translation>关于 BriVL 工作室</translation>
    </message>
    <message>
        <location filename="../about_dialog.cpp" line="53" />
        <source>Model card</source>
        <translation>模型卡</translation>
    </message>
    <message>
        <location filename="../about_dialog.cpp" line="54" />
        <source>The model %1 has no MODEL_CARD.md.</source>
        <translation>模型 %1 没有 MODEL_CARD.md。</translation>
    </message>
    <message>
        <location filename="../about_dialog.cpp" line="55" />
        <source>No model loaded.</source>
        <translation>尚未加载模型。</translation>
    </message>
    <message>
        <location filename="../about_dialog.cpp" line="60" />
        <source>Model card — %1</source>
        <translation>模型卡 — %1</translation>
    </message>
</context>
<context>
    <name>brivl::ui::ResultModel</name>
    <message>
        <location filename="../result_model.cpp" line="48" />
        <source>loading…</source>
        <translation>加载中…</translation>
    </message>
    <message>
        <location filename="../result_model.cpp" line="77" />
        <source> (below the relevance cutoff)</source>
        <translation>（低于相关性阈值）</translation>
    </message>
    <message>
        <location filename="../result_model.cpp" line="115" />
        <source>unreadable</source>
        <translation>无法读取</translation>
    </message>
</context>
<context>
    <name>brivl::ui::RetrievalWorker</name>
    <message>
        <location filename="../workers/retrieval_worker.cpp" line="78" />
        <source>Opening the index failed</source>
        <translation>打开索引失败</translation>
    </message>
    <message>
        <location filename="../workers/retrieval_worker.cpp" line="99" />
        <source>Indexing…</source>
        <translation>正在建立索引…</translation>
    </message>
    <message>
        <location filename="../workers/retrieval_worker.cpp" line="112" />
        <source>Indexing failed</source>
        <translation>建立索引失败</translation>
    </message>
    <message>
        <location filename="../workers/retrieval_worker.cpp" line="123" />
        <source>Removing the folder failed</source>
        <translation>移除文件夹失败</translation>
    </message>
    <message>
        <location filename="../workers/retrieval_worker.cpp" line="145" />
        <source>Search failed</source>
        <translation>搜索失败</translation>
    </message>
    <message>
        <location filename="../workers/retrieval_worker.cpp" line="175" />
        <source>Finding the nearest indexed images failed</source>
        <translation>查找最相近的已索引图像失败</translation>
    </message>
    <message>
        <location filename="../workers/retrieval_worker.cpp" line="191" />
        <source>Embedding the captions was stopped.</source>
        <translation>描述嵌入已停止。</translation>
    </message>
    <message>
        <location filename="../workers/retrieval_worker.cpp" line="203" />
        <source>Embedding the captions for the new model…</source>
        <translation>正在为新模型嵌入描述…</translation>
    </message>
</context>
<context>
    <name>brivl::ui::RetrievePanel</name>
    <message>
        <location filename="../retrieve_panel.cpp" line="90" />
        <source>Search by meaning: 海边的日落 | 人:-0.5   or   @/path/to/photo.jpg</source>
        <translation>按语义搜索：海边的日落 | 人:-0.5   或   @/路径/照片.jpg</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="92" />
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="93" />
        <source>Search with the imagination</source>
        <translation>用想象结果搜索</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="95" />
        <source>Use the last image of the Imagine tab as the query</source>
        <translation>用“想象”中的最新图像作为查询</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="101" />
        <source>top </source>
        <translation>前 </translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="104" />
        <source>Query:</source>
        <translation>查询：</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="126" />
        <source>Add a folder of images, then search it by meaning.</source>
        <translation>添加一个图片文件夹，然后按语义搜索。</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="155" />
        <source>Search failed</source>
        <translation>搜索失败</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="155" />
        <source>Cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="174" />
        <source>More like this</source>
        <translation>查找相似图片</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="176" />
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="177" />
        <source>Open containing folder</source>
        <translation>打开所在文件夹</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="179" />
        <source>Copy path</source>
        <translation>复制路径</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="187" />
        <source>Indexing %1 / %2 …</source>
        <translation>正在建立索引 %1 / %2 …</translation>
    </message>
    <message numerus="yes">
        <location filename="../retrieve_panel.cpp" line="191" />
        <source>%n image(s) indexed</source>
        <translation><numerusform>已索引 %n 张图片</numerusform></translation>
    </message>
    <message numerus="yes">
        <location filename="../retrieve_panel.cpp" line="203" />
        <source>%n caption(s) from %1</source>
        <translation><numerusform>%n 条描述，来自 %1</numerusform></translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="223" />
        <location filename="../retrieve_panel.cpp" line="323" />
        <source>No caption list</source>
        <translation>没有描述列表</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="225" />
        <source>Caption list</source>
        <translation>描述列表</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="248" />
        <source>Folders</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="252" />
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="254" />
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="255" />
        <source>Update index</source>
        <translation>更新索引</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="256" />
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="259" />
        <source>No model yet</source>
        <translation>尚无模型</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="273" />
        <source>Skipped files</source>
        <translation>跳过的文件</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="294" />
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="301" />
        <source>Where?</source>
        <translation>在哪里？</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="303" />
        <source>Lays over the preview where the model sees the query: each of the model's 6×6 regions taken away in turn, hotter where the score depends on it more (brivl explain)</source>
        <translation>在预览上叠加模型在哪里看到查询：依次去掉模型的 6×6 区域之一，得分越依赖的区域越热（brivl explain）</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="309" />
        <source>The map of “%1” over this image (similarity %2)</source>
        <translation>“%1”在此图像上的热图（相似度 %2）</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="313" />
        <source>Where? failed</source>
        <translation>“在哪里？”失败</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="315" />
        <location filename="../retrieve_panel.cpp" line="439" />
        <source>Click a result.</source>
        <translation>点击一个结果。</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="319" />
        <source>Best captions</source>
        <translation>最佳描述</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="320" />
        <source>Ranks the texts of a list (one per line) for the selected image</source>
        <translation>为所选图像对列表中的文本（每行一条）排序</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="321" />
        <source>Caption list…</source>
        <translation>描述列表…</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="360" />
        <source>Add a folder of images</source>
        <translation>添加图片文件夹</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="376" />
        <location filename="../retrieve_panel.cpp" line="388" />
        <location filename="../retrieve_panel.cpp" line="494" />
        <source>No model loaded</source>
        <translation>尚未加载模型</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="376" />
        <location filename="../retrieve_panel.cpp" line="388" />
        <location filename="../retrieve_panel.cpp" line="494" />
        <source>Load a model first (the bar at the top).</source>
        <translation>请先加载模型（顶部的模型栏）。</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="391" />
        <source>Searching…</source>
        <translation>正在搜索…</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="414" />
        <source>%1 images indexed (%2 new, %3 moved, %4 unchanged, %5 skipped, %6 removed) in %7 s</source>
        <translation>已索引 %1 张图片（新增 %2，移动 %3，未变 %4，跳过 %5，移除 %6），用时 %7 秒</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="427" />
        <source>%1 of %2 images stand out from the collection (score ≥ %3); weaker matches are greyed.</source>
        <translation>%2 张图片中有 %1 张明显匹配（得分 ≥ %3）；较弱的匹配显示为灰色。</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="430" />
        <source>%1 of %2 images (too few for a relevance cutoff).</source>
        <translation>%2 张图片中的 %1 张（图片太少，无法确定相关性阈值）。</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="450" />
        <source>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;%2&lt;br&gt;%3 × %4 px · %5 KB&lt;br&gt;score %6</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;%2&lt;br&gt;%3 × %4 像素 · %5 KB&lt;br&gt;得分 %6</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="498" />
        <source>Embedding the captions…</source>
        <translation>正在嵌入描述…</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="504" />
        <source>Caption list (one text per line)</source>
        <translation>描述列表（每行一条文本）</translation>
    </message>
    <message>
        <location filename="../retrieve_panel.cpp" line="505" />
        <source>Text files (*.txt);;All files (*)</source>
        <translation>文本文件 (*.txt);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>brivl::ui::RunList</name>
    <message>
        <location filename="../run_list.cpp" line="40" />
        <source>Folder…</source>
        <translation>文件夹…</translation>
    </message>
    <message>
        <location filename="../run_list.cpp" line="41" />
        <source>A folder with training runs (also runs started with brivl train --out)</source>
        <translation>包含训练运行的文件夹（也包括用 brivl train --out 启动的运行）</translation>
    </message>
    <message>
        <location filename="../run_list.cpp" line="42" />
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../run_list.cpp" line="45" />
        <source>Double-click a run to follow it</source>
        <translation>双击某个运行以跟踪它</translation>
    </message>
    <message>
        <location filename="../run_list.cpp" line="55" />
        <source>Folder with training runs</source>
        <translation>训练运行所在的文件夹</translation>
    </message>
    <message>
        <location filename="../run_list.cpp" line="87" />
        <source>status.json unreadable</source>
        <translation>status.json 无法读取</translation>
    </message>
    <message>
        <location filename="../run_list.cpp" line="90" />
        <source>interrupted (resumable)</source>
        <translation>已中断（可继续）</translation>
    </message>
    <message>
        <location filename="../run_list.cpp" line="91" />
        <source>%1 · step %2/%3</source>
        <translation>%1 · 第 %2/%3 步</translation>
    </message>
    <message>
        <location filename="../run_list.cpp" line="92" />
        <source> · R@1 %1</source>
        <translation> · R@1 %1</translation>
    </message>
    <message>
        <location filename="../run_list.cpp" line="116" />
        <source> (no runs yet)</source>
        <translation>（还没有运行）</translation>
    </message>
</context>
<context>
    <name>brivl::ui::RunMonitor</name>
    <message>
        <location filename="../run_monitor.cpp" line="76" />
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location filename="../run_monitor.cpp" line="77" />
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../run_monitor.cpp" line="78" />
        <source>stopped (resumable)</source>
        <translation>已停止（可继续）</translation>
    </message>
    <message>
        <location filename="../run_monitor.cpp" line="79" />
        <source>time limit reached (resumable)</source>
        <translation>已达时间限制（可继续）</translation>
    </message>
    <message>
        <location filename="../run_monitor.cpp" line="80" />
        <source>failed</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>brivl::ui::TrainPanel</name>
    <message>
        <location filename="../train_panel.cpp" line="56" />
        <source>Runs</source>
        <translation>运行记录</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="84" />
        <source>Building the dataset failed</source>
        <translation>生成数据集失败</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="89" />
        <source>— output of %1:</source>
        <translation>— %1 的输出：</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="91" />
        <source>Training failed</source>
        <translation>训练失败</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="93" />
        <source>— %1</source>
        <translation>— %1</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="121" />
        <source>Choose a folder</source>
        <translation>选择文件夹</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="121" />
        <source>Choose a file</source>
        <translation>选择文件</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="128" />
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="131" />
        <source>captions.csv / .tsv / .jsonl (image,text)</source>
        <translation>captions.csv / .tsv / .jsonl（图像,文本）</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="138" />
        <source>Build shapes dataset</source>
        <translation>生成图形数据集</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="140" />
        <source>Coloured shapes with Chinese captions (左上角的大红色圆形): a model learns them in minutes</source>
        <translation>带中文描述的彩色图形（左上角的大红色圆形）：模型几分钟即可学会</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="146" />
        <source>images of</source>
        <translation>张图片，边长</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="149" />
        <source>Data file</source>
        <translation>数据文件</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="150" />
        <source>&lt;i&gt;or build a synthetic one:&lt;/i&gt;</source>
        <translation>&lt;i&gt;或生成一个合成数据集：&lt;/i&gt;</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="151" />
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="152" />
        <source>Images</source>
        <translation>图片</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="160" />
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="174" />
        <source>no limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="175" />
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="181" />
        <source>Processes on this machine (brivl train --nproc-per-node): each computes its share of every batch with cores / processes threads; the batch must be a multiple of it</source>
        <translation>本机上的进程数（brivl train --nproc-per-node）：每个进程用 核心数 / 进程数 个线程计算每个批次中自己的一份；批次大小必须是它的倍数</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="186" />
        <source>This build trains in one process (LibTorch's c10d with Gloo was not found when it was built)</source>
        <translation>此构建只能单进程训练（构建时未找到 LibTorch 的 c10d 与 Gloo）</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="189" />
        <source>new run folder</source>
        <translation>新的运行文件夹</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="191" />
        <source>default: the default model's config.yml</source>
        <translation>默认：默认模型的 config.yml</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="192" />
        <source>default: vocab.txt next to the config</source>
        <translation>默认：配置文件旁的 vocab.txt</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="194" />
        <source>Epochs</source>
        <translation>轮数</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="195" />
        <source>Batch</source>
        <translation>批大小</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="196" />
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="197" />
        <source>Time limit</source>
        <translation>时间限制</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="198" />
        <source>Processes</source>
        <translation>进程数</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="199" />
        <source>Run folder</source>
        <translation>运行文件夹</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="200" />
        <source>Model config</source>
        <translation>模型配置</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="201" />
        <source>Vocabulary</source>
        <translation>词表</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="203" />
        <source>▶ Launch</source>
        <translation>▶ 启动</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="205" />
        <source>■ Stop</source>
        <translation>■ 停止</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="207" />
        <source>Saves a checkpoint and stops; Resume continues</source>
        <translation>保存检查点并停止；“继续”可接着训练</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="208" />
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="210" />
        <source>Open run…</source>
        <translation>打开运行…</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="212" />
        <source>Follow a run folder, also one started with brivl train</source>
        <translation>跟踪一个运行文件夹（也可以是用 brivl train 启动的）</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="213" />
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="215" />
        <source>Load the run's best checkpoint as the studio's model</source>
        <translation>将该运行的最佳检查点加载为工作室的模型</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="230" />
        <source>Open a training run folder</source>
        <translation>打开训练运行文件夹</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="239" />
        <source>No run yet: build or choose a dataset, then Launch.</source>
        <translation>尚无运行：生成或选择数据集，然后点击启动。</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="246" />
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="246" />
        <location filename="../train_panel.cpp" line="256" />
        <source>step</source>
        <translation>步数</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="248" />
        <location filename="../train_panel.cpp" line="251" />
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="249" />
        <source>R@1 text→image</source>
        <translation>R@1 文本→图像</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="250" />
        <source>R@1 image→text</source>
        <translation>R@1 图像→文本</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="252" />
        <source>recall@1 (validation)</source>
        <translation>recall@1（验证集）</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="254" />
        <source>loss image→text</source>
        <translation>损失 图像→文本</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="255" />
        <source>loss text→image</source>
        <translation>损失 文本→图像</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="256" />
        <source>Schedule and speed</source>
        <translation>学习率与速度</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="258" />
        <location filename="../train_panel.cpp" line="260" />
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="259" />
        <location filename="../train_panel.cpp" line="261" />
        <source>samples/s</source>
        <translation>样本/秒</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="262" />
        <source>Smooth the loss</source>
        <translation>平滑损失曲线</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="264" />
        <source>Exponential moving average (0.9) of the loss curves; the raw points are kept</source>
        <translation>损失曲线的指数移动平均（0.9）；原始数据点会保留</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="266" />
        <source>Log scale</source>
        <translation>对数坐标</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="268" />
        <source>A logarithmic loss axis: late, small improvements stay visible</source>
        <translation>损失使用对数坐标轴：后期的微小改进也清晰可见</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="277" />
        <source>Loss and recall</source>
        <translation>损失与召回率</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="278" />
        <source>Learning rate and speed</source>
        <translation>学习率与速度</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="284" />
        <source>The run's log (train.log) appears here.</source>
        <translation>运行日志（train.log）显示在这里。</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="328" />
        <source>No dataset</source>
        <translation>没有数据集</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="328" />
        <source>Choose a data file (CSV/TSV/JSONL with image,text) or build the shapes dataset.</source>
        <translation>请选择数据文件（含 image,text 的 CSV/TSV/JSONL）或生成图形数据集。</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="332" />
        <source>Batch and processes do not fit</source>
        <translation>批次与进程数不匹配</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="333" />
        <source>A batch of %1 cannot be shared evenly by %2 processes: choose a batch that is a multiple of it.</source>
        <translation>%1 的批次无法平均分给 %2 个进程：请选择它的倍数作为批次大小。</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="349" />
        <source>Cannot launch training</source>
        <translation>无法启动训练</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="357" />
        <source>Starting %1 …</source>
        <translation>正在启动 %1 …</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="363" />
        <source> · stopping (saving a checkpoint)…</source>
        <translation> · 正在停止（保存检查点）…</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="370" />
        <source>Cannot resume</source>
        <translation>无法继续</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="381" />
        <source>A run is going</source>
        <translation>有运行正在进行</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="381" />
        <source>Stop the current run before following another one.</source>
        <translation>请先停止当前运行，再跟踪其他运行。</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="385" />
        <source>Not a run folder</source>
        <translation>不是运行文件夹</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="385" />
        <source>%1 has no status.json (made by brivl train)</source>
        <translation>%1 中没有 status.json（由 brivl train 生成）</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="401" />
        <source>&lt;b&gt;%1&lt;/b&gt; · step %2/%3 · epoch %4/%5</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; · 第 %2/%3 步 · 第 %4/%5 轮</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="402" />
        <source> · %1 processes</source>
        <translation> · %1 个进程</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="403" />
        <source> · ETA %1</source>
        <translation> · 剩余 %1</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="404" />
        <source> · %1 elapsed</source>
        <translation> · 已用 %1</translation>
    </message>
    <message>
        <location filename="../train_panel.cpp" line="405" />
        <source> · best R@1 %1 / %2</source>
        <translation> · 最佳 R@1 %1 / %2</translation>
    </message>
</context>
<context>
    <name>brivl::ui::TrainProcess</name>
    <message>
        <location filename="../workers/train_process.cpp" line="13" />
        <source>the training process crashed</source>
        <translation>训练进程崩溃</translation>
    </message>
    <message>
        <location filename="../workers/train_process.cpp" line="14" />
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../workers/train_process.cpp" line="15" />
        <source>stopped with a checkpoint (Resume continues it)</source>
        <translation>已停止并保存检查点（“继续”可接着训练）</translation>
    </message>
    <message>
        <location filename="../workers/train_process.cpp" line="16" />
        <source>failed (exit %1): %2</source>
        <translation>失败（退出码 %1）：%2</translation>
    </message>
    <message>
        <location filename="../workers/train_process.cpp" line="20" />
        <source>could not start %1: %2</source>
        <translation>无法启动 %1：%2</translation>
    </message>
    <message>
        <location filename="../workers/train_process.cpp" line="55" />
        <source>a training run is already going</source>
        <translation>已有训练在进行</translation>
    </message>
    <message>
        <location filename="../workers/train_process.cpp" line="60" />
        <source>the brivl program was not found next to the studio, in the build tree or on the PATH (set BRIVL_CLI)</source>
        <translation>未找到 brivl 程序（工作室旁、构建目录和 PATH 中都没有；可设置 BRIVL_CLI）</translation>
    </message>
</context>
</TS>