# The official embeddings of a bundle folder (config.yml, checkpoint.pth, vocab.txt, images.txt,
# images/, texts.txt) by brivl-nmi's own example.py, through the harness in ../shared/official
# (or $BRIVL_OFFICIAL_HARNESS): writes official_image.npy and official_text.npy into the folder.
import sys, os
sys.path.insert(0, os.environ.get("BRIVL_OFFICIAL_HARNESS",
                                  os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../../shared/official")))
sys.dont_write_bytecode = True
import make_fixtures as M
import numpy as np
M.setup_environment(dict(official=os.path.abspath(M.DEFAULTS["official"]), timm=os.path.abspath(M.DEFAULTS["timm"]),
                         transformers=os.path.abspath(M.DEFAULTS["transformers"]), vocab=os.path.abspath(M.DEFAULTS["vocab"])))
d = os.path.abspath(sys.argv[1])
cfg = M.fresh_cfg(os.path.join(d, "config.yml"))
names = [x.strip() for x in open(os.path.join(d, "images.txt"), encoding="utf-8") if x.strip()]
r = M.run_example(d, os.path.join(d, "config.yml"), os.path.join(d, "checkpoint.pth"), names, int(cfg.MODEL.MAX_TEXT_LEN))
np.save(os.path.join(d, "official_image.npy"), r["imgFea_all"].numpy())
np.save(os.path.join(d, "official_text.npy"), r["txtFea_all"].numpy())
print(r["imgFea_all"].shape, r["txtFea_all"].shape)
