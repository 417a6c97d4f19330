//! `GET /c/{id}/poster.png?ref=CODE`: a share poster a WeChat user long-presses to save and
//! post to Moments. Drawn on the server: the title, live progress, the backer's name (when
//! they chose to be listed) and the QR code of their link, in a real CJK font.
//!
//! The font is a file from the operating system (Debian's `fonts-wqy-microhei`, which
//! `cargo xtask` installs), read once. Without one, posters answer 503 and say why.
//!
//! Drawing one costs a few tens of milliseconds of CPU (more in a debug build), so a request
//! must not be a way to make the server draw:
//! - **Cached by what it shows.** Everything drawn is gathered first ([`Shown`]: the title
//!   and summary, the raised amount, goal, percent and backers as written, the cover's id,
//!   the backer's name, the link in the QR code, the language); the poster's key is the hash
//!   of that, and it is also its `ETag` (a matching `If-None-Match` is answered 304). A new
//!   pledge or an edit changes what is shown, hence the key; a query parameter the poster
//!   does not read (`?n=…`) changes nothing. A `ref` that no pledge of the campaign holds
//!   draws the plain poster, under the plain key.
//! - **Bounded in memory.** The cache keeps the most recently served posters up to
//!   16 MB (about a hundred posters; `poster_cache.rs`) and forgets the least recently served.
//! - **Renders rate-limited.** Only a request the cache cannot answer draws, and it takes a
//!   token from its client address's bucket first ([`RENDERS`]: 10 at once, then 10 a
//!   minute, when `--rate-limit` is not `off`); past it the answer is 429 with `Retry-After`,
//!   while cached posters are still served. At most [`RENDERS_AT_ONCE`] are drawn at once,
//!   and one waiting its turn is served from the cache if another request drew it meanwhile.

use super::Posters;
use crate::error::Error;
use crate::hub::Entry;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimit;
use crate::store::Store;
use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use bytes::Bytes;
use std::path::{Path as FsPath, PathBuf};
use std::sync::OnceLock;
use widget::i18n::Lang;

/// Poster renders (cache misses) per client address, when rate limiting is on: a backer
/// shares one or two posters, a few in several languages.
pub const RENDERS: RateLimit = RateLimit { burst: 10, per_minute: 10 };
/// How many posters are drawn at once in this process.
const RENDERS_AT_ONCE: usize = 2;
static RENDERING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(RENDERS_AT_ONCE);

/// Where Debian's packages put CJK fonts, in order of preference.
pub const FONT_PATHS: [&str; 3] = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
];

/// A poster's size in pixels, which link previews and oEmbed name; the layout is drawn in
/// these units and scaled to the size asked for.
pub const WIDTH: u32 = 750;
pub const HEIGHT: u32 = 1334;

/// Which poster: for Moments (a phone's screen), or for a WeChat Official Account article
/// (`?size=article`: 1080 px wide, the width the 公众号 editor shows images at, and never a
/// backer's: an article is the creator's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Moments,
    Article,
}

impl Size {
    /// The size `?size=` asks for: `article`, or anything else for Moments.
    pub fn asked(asked: Option<&str>) -> Size {
        if asked == Some("article") { Size::Article } else { Size::Moments }
    }

    /// Pixels per layout unit.
    fn scale(self) -> f32 {
        match self {
            Size::Moments => 1.0,
            Size::Article => 1080.0 / WIDTH as f32,
        }
    }

    /// Width and height in pixels.
    pub fn pixels(self) -> (u32, u32) {
        let scale = self.scale();
        ((WIDTH as f32 * scale).round() as u32, (HEIGHT as f32 * scale).round() as u32)
    }
}
const MARGIN: f32 = 56.0;
const BACKGROUND: [u8; 3] = [0xfa, 0xf7, 0xf2];
const INK: [u8; 3] = [0x1f, 0x1d, 0x1a];
const MUTED: [u8; 3] = [0x6b, 0x65, 0x5d];
const ACCENT: [u8; 3] = [0xd2, 0x46, 0x2c];
const TRACK: [u8; 3] = [0xe4, 0xdd, 0xd3];

/// The poster font, read once: the configured file, or the first of [`FONT_PATHS`].
fn font(configured: Option<&FsPath>) -> Option<&'static FontVec> {
    static FONT: OnceLock<Option<FontVec>> = OnceLock::new();
    FONT.get_or_init(|| {
        let candidates: Vec<PathBuf> = match configured {
            Some(path) => vec![path.to_owned()],
            None => FONT_PATHS.iter().map(PathBuf::from).collect(),
        };
        let found = candidates.iter().find_map(|path| {
            let bytes = std::fs::read(path).ok()?;
            FontVec::try_from_vec_and_index(bytes, 0).ok()
        });
        if found.is_none() {
            tracing::warn!(
                ?candidates,
                "no CJK font found: share posters are unavailable (install fonts-wqy-microhei)"
            );
        }
        found
    })
    .as_ref()
}

/// Everything a poster shows, as it is written on it: two posters with the same `Shown`
/// are the same picture.
#[derive(Debug, Clone)]
pub struct Shown {
    title: String,
    summary: String,
    /// The bar's fill, 0 to 100.
    percent: u32,
    raised: String,
    of_goal: String,
    backers: String,
    /// The cover's id (its bytes are read only to draw).
    cover: Option<String>,
    /// The invitation naming the backer, when they chose to be listed.
    invite: Option<String>,
    link: String,
    hint: &'static str,
    size: Size,
}

impl Shown {
    /// The poster's cache key and `ETag`: the hash of everything it shows.
    pub fn key(&self) -> String {
        crate::ids::sha256_hex(format!("{self:?}").as_bytes())
    }
}

/// What campaign `entry`'s poster of `size` shows in `lang`, for the backer whose referral
/// code is `referral` when a pledge of this campaign holds it (any other code, and any
/// article poster, draws the plain poster, so bogus codes cannot each cost a render); `base`
/// starts its link.
pub async fn shown(
    store: &Store,
    entry: &std::sync::Arc<Entry>,
    (referral, size): (Option<&str>, Size),
    lang: Lang,
    base: &str,
) -> Result<Shown, Error> {
    let id = entry.snapshot(crate::now()).campaign.id().as_str().to_owned();
    let referral = referral.filter(|r| size == Size::Moments && domain::pledge::is_referral_code(r));
    let (referral, backer) = match referral {
        Some(code) => match store.public_name(&id, code).await? {
            Some(name) => (Some(code), Some(name)),
            None if store.referrer_name(&id, code).await?.is_some() => (Some(code), None),
            None => (None, None),
        },
        None => (None, None),
    };
    let snapshot = entry.snapshot(crate::now());
    let view = &snapshot.view;
    let percent = domain::progress::percent(view.raised, view.goal);
    Ok(Shown {
        title: view.title.clone(),
        summary: view.summary.clone(),
        percent: percent.min(100),
        raised: view.currency.format(view.raised),
        of_goal: match lang {
            Lang::En => format!("  of {} · {}", view.currency.format(view.goal), lang.funded(percent)),
            Lang::ZhCn => format!("  目标 {} · {}", view.currency.format(view.goal), lang.funded(percent)),
        },
        backers: lang.backers(view.backers),
        cover: snapshot.counts.cover.clone(),
        invite: backer.map(|name| match lang {
            Lang::En => format!("{name} backed this. Join the tribe!"),
            Lang::ZhCn => format!("{name} 已支持，邀你一起！"),
        }),
        link: super::share_link(base, &id, referral),
        hint: match lang {
            Lang::En => "Scan to back it · tribefund",
            Lang::ZhCn => "长按识别二维码支持 · tribefund",
        },
        size,
    })
}

/// The poster showing `shown`, drawn (at most [`RENDERS_AT_ONCE`] at once, off the async
/// workers) unless another request drew it while this one waited, and kept in `posters`.
/// The caller has looked in `posters` first and let this client draw.
pub async fn draw_kept(
    store: &Store,
    metrics: &Metrics,
    posters: &Posters,
    font_path: Option<&FsPath>,
    shown: Shown,
) -> Result<Bytes, Error> {
    let font = font(font_path).ok_or(Error::Unavailable)?;
    let key = shown.key();
    let _turn = RENDERING.acquire().await.map_err(anyhow::Error::from)?;
    if let Some(png) = posters.get(&key) {
        return Ok(png);
    }
    let cover = match &shown.cover {
        Some(cover) => store.cover(cover).await?.map(|(_, bytes)| bytes),
        None => None,
    };
    metrics.poster_render();
    // Drawing takes tens of milliseconds of CPU: off the async workers.
    let png = tokio::task::spawn_blocking(move || draw(font, &shown, cover.as_deref()))
        .await
        .map_err(anyhow::Error::from)??;
    let png = Bytes::from(png);
    posters.insert(key, png.clone());
    Ok(png)
}

/// An RGB canvas of `size`, drawn on in layout units ([`WIDTH`] wide).
struct Canvas {
    pixels: Vec<u8>,
    width: u32,
    height: u32,
    scale: f32,
}

impl Canvas {
    fn new(size: Size) -> Canvas {
        let (width, height) = size.pixels();
        let mut pixels = Vec::with_capacity((width * height * 3) as usize);
        for _ in 0..width * height {
            pixels.extend_from_slice(&BACKGROUND);
        }
        Canvas { pixels, width, height, scale: size.scale() }
    }

    /// Blends `colour` over pixel (x, y), in pixels, by `coverage` (0 to 1).
    fn blend(&mut self, x: i64, y: i64, colour: [u8; 3], coverage: f32) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let at = ((y as u32 * self.width + x as u32) * 3) as usize;
        for (i, channel) in colour.iter().enumerate() {
            let old = f32::from(self.pixels[at + i]);
            self.pixels[at + i] =
                (old + (f32::from(*channel) - old) * coverage.clamp(0.0, 1.0)).round() as u8;
        }
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: [u8; 3]) {
        let k = self.scale;
        for py in (y * k) as i64..((y + h) * k) as i64 {
            for px in (x * k) as i64..((x + w) * k) as i64 {
                self.blend(px, py, colour, 1.0);
            }
        }
    }

    /// Draws `text` from (x, baseline) and returns the advance, in layout units.
    fn text(&mut self, font: &FontVec, size: f32, x: f32, baseline: f32, text: &str, colour: [u8; 3]) -> f32 {
        let k = self.scale;
        let (size, x, baseline) = (size * k, x * k, baseline * k);
        let scaled = font.as_scaled(PxScale::from(size));
        let mut caret = x;
        for c in text.chars() {
            let glyph = scaled.scaled_glyph(c);
            let advance = scaled.h_advance(glyph.id);
            let mut positioned = glyph;
            positioned.position = ab_glyph::point(caret, baseline);
            if let Some(outline) = font.outline_glyph(positioned) {
                let bounds = outline.px_bounds();
                outline.draw(|gx, gy, coverage| {
                    self.blend(
                        bounds.min.x as i64 + i64::from(gx),
                        bounds.min.y as i64 + i64::from(gy),
                        colour,
                        coverage,
                    )
                });
            }
            caret += advance;
        }
        (caret - x) / k
    }

    fn png(self) -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.write_header()?.write_image_data(&self.pixels)?;
        Ok(out)
    }
}

/// Splits `text` into lines at most `width` wide: at spaces where there are some, anywhere
/// between CJK characters; at most `max_lines`, the last ending in `…` if cut.
fn wrap(font: &FontVec, size: f32, text: &str, width: f32, max_lines: usize) -> Vec<String> {
    let scaled = font.as_scaled(PxScale::from(size));
    let measure = |s: &str| s.chars().map(|c| scaled.h_advance(scaled.glyph_id(c))).sum::<f32>();
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for c in text.chars() {
        let mut next = line.clone();
        next.push(c);
        if measure(&next) <= width {
            line = next;
            continue;
        }
        // Break at the last space when the line has one (a Latin word), else here.
        let (kept, carried) = match line.rfind(' ') {
            Some(at) if c != ' ' => (line[..at].to_owned(), line[at + 1..].to_owned()),
            _ => (line.clone(), String::new()),
        };
        lines.push(kept.trim_end().to_owned());
        line = format!("{carried}{c}").trim_start().to_owned();
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        let last = lines.last_mut().expect("max_lines is at least one");
        while !last.is_empty() && measure(&format!("{last}…")) > width {
            last.pop();
        }
        last.push('…');
    }
    lines
}

fn draw(font: &FontVec, shown: &Shown, cover: Option<&[u8]>) -> Result<Vec<u8>, Error> {
    let mut canvas = Canvas::new(shown.size);
    let inner = WIDTH as f32 - 2.0 * MARGIN;
    // The cover (stored by the server as a JPEG it made) across the top, or an accent band.
    let cover =
        cover.and_then(|bytes| image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg).ok());
    // With a cover the text is shorter (the picture tells the rest), so the QR code keeps
    // its room at the bottom.
    let compact = cover.is_some();
    let mut y = match cover {
        Some(cover) => {
            const COVER_HEIGHT: u32 = 360;
            let (width, height) = (canvas.width, (COVER_HEIGHT as f32 * canvas.scale) as u32);
            let cover = cover.resize_to_fill(width, height, image::imageops::FilterType::Triangle).to_rgb8();
            for (x, py, pixel) in cover.enumerate_pixels() {
                canvas.blend(i64::from(x), i64::from(py), pixel.0, 1.0);
            }
            COVER_HEIGHT as f32 + 90.0
        }
        None => {
            canvas.rect(0.0, 0.0, WIDTH as f32, 14.0, ACCENT);
            130.0
        }
    };
    for line in wrap(font, 56.0, &shown.title, inner, if compact { 2 } else { 3 }) {
        canvas.text(font, 56.0, MARGIN, y, &line, INK);
        y += 72.0;
    }
    if !compact {
        y += 10.0;
        for line in wrap(font, 30.0, &shown.summary, inner, 3) {
            canvas.text(font, 30.0, MARGIN, y, &line, MUTED);
            y += 42.0;
        }
    }

    y += 30.0;
    canvas.rect(MARGIN, y, inner, 18.0, TRACK);
    canvas.rect(MARGIN, y, inner * (shown.percent as f32 / 100.0), 18.0, ACCENT);
    y += 70.0;
    let advance = canvas.text(font, 48.0, MARGIN, y, &shown.raised, INK);
    canvas.text(font, 28.0, MARGIN + advance, y, &shown.of_goal, MUTED);
    y += 48.0;
    canvas.text(font, 28.0, MARGIN, y, &shown.backers, MUTED);

    if let Some(invite) = &shown.invite {
        y += 80.0;
        for line in wrap(font, 34.0, invite, inner, 2) {
            canvas.text(font, 34.0, MARGIN, y, &line, ACCENT);
            y += 46.0;
        }
    }

    // The QR code of the link, with its quiet zone, at the bottom.
    let (modules, dark) =
        super::share::modules(&shown.link).map_err(|e| anyhow::anyhow!("encoding a QR code: {e}"))?;
    let quiet = 4;
    let side = if compact { 300.0 } else { 340.0 };
    let module = (side / (modules + 2 * quiet) as f32).floor();
    let drawn = module * (modules + 2 * quiet) as f32;
    let (qx, qy) = ((WIDTH as f32 - drawn) / 2.0, HEIGHT as f32 - drawn - 150.0);
    canvas.rect(qx, qy, drawn, drawn, [0xff, 0xff, 0xff]);
    for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
        let (mx, my) = ((i % modules + quiet) as f32, (i / modules + quiet) as f32);
        canvas.rect(qx + mx * module, qy + my * module, module, module, [0, 0, 0]);
    }
    let scaled = font.as_scaled(PxScale::from(28.0));
    let hint_width: f32 = shown.hint.chars().map(|c| scaled.h_advance(scaled.glyph_id(c))).sum();
    canvas.text(font, 28.0, (WIDTH as f32 - hint_width) / 2.0, HEIGHT as f32 - 90.0, shown.hint, MUTED);
    Ok(canvas.png()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_font() -> Option<&'static FontVec> {
        let font = font(None);
        if font.is_none() && std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("a CJK font is required when CI=true (cargo xtask test installs fonts-wqy-microhei)");
        }
        font
    }

    #[test]
    fn the_font_has_chinese_glyphs() {
        let Some(font) = test_font() else {
            eprintln!("SKIPPED: no CJK font installed");
            return;
        };
        for c in "胡桃木台灯众筹支持".chars() {
            assert_ne!(font.glyph_id(c).0, 0, "{c} has a glyph");
        }
    }

    #[test]
    fn long_titles_wrap_at_spaces_or_between_chinese_characters_and_end_in_an_ellipsis() {
        let Some(font) = test_font() else {
            eprintln!("SKIPPED: no CJK font installed");
            return;
        };
        let lines = wrap(font, 56.0, "Walnut desk lamp made by the tribe in one small batch", 640.0, 3);
        assert!(
            lines.len() > 1 && lines.iter().all(|l| !l.starts_with(' ') && !l.ends_with(' ')),
            "{lines:?}"
        );
        assert!(lines.concat().replace(' ', "").starts_with("Walnutdesklamp"));
        let chinese = wrap(font, 56.0, &"胡桃木台灯".repeat(20), 640.0, 2);
        assert_eq!(chinese.len(), 2);
        assert!(chinese[1].ends_with('…'));
    }
}
