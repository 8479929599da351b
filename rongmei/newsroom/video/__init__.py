"""Video versions of a story (一次采集多元生成 for video): vertical and horizontal MP4 files
made with ffmpeg from the story's clips and photos, for 抖音, 快手, 视频号 and the site.

engine.py is the interface (render, probe, frame_at, parse_srt, PLATFORM_LIMITS); graph.py
builds the ffmpeg command, runner.py runs it with progress and cancel, text.py wraps Chinese
and writes subtitles, limits.py holds each platform's documented limits, cache.py keeps the
demo data's renders so a second demo load copies instead of rendering. jobs.py (the task
queue job around a render) belongs to the newsroom's job layer.
"""
