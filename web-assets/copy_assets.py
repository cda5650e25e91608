"""Copy the installed front-end libraries into the package's static folder."""

import shutil
from pathlib import Path

HERE = Path(__file__).parent
VENDOR = HERE.parent / "journeys" / "web" / "static" / "vendor"
FILES = {
    "@picocss/pico/css/pico.min.css": "pico.min.css",
    "echarts/dist/echarts.min.js": "echarts.min.js",
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
    "swagger-ui-dist/swagger-ui-bundle.js": "swagger-ui-bundle.js",
    "swagger-ui-dist/swagger-ui.css": "swagger-ui.css",
}

VENDOR.mkdir(parents=True, exist_ok=True)
for source, target in FILES.items():
    shutil.copyfile(HERE / "node_modules" / source, VENDOR / target)
