//! The accent colour a creator picks for their widget, kept readable: the pledge button's
//! white text on it must reach WCAG's 4.5:1 contrast, so a colour too light for that is
//! darkened, keeping its hue, until it does.

/// An sRGB colour, `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accent([u8; 3]);

impl Accent {
    /// WCAG's contrast for normal text (level AA).
    pub const MIN_CONTRAST: f64 = 4.5;

    /// `#d2462c` or `d2462c`, any case; nothing else (no names, no short forms).
    pub fn parse(text: &str) -> Option<Accent> {
        let hex = text.strip_prefix('#').unwrap_or(text);
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        Some(Accent([channel(0)?, channel(2)?, channel(4)?]))
    }

    /// `#rrggbb`, lowercase.
    pub fn hex(self) -> String {
        let [r, g, b] = self.0;
        format!("#{r:02x}{g:02x}{b:02x}")
    }

    /// The contrast of white text on this colour, from 1 (white) to 21 (black).
    pub fn contrast_with_white(self) -> f64 {
        1.05 / (self.luminance() + 0.05)
    }

    /// This colour, darkened just enough for white text on it to be readable.
    pub fn readable(self) -> Accent {
        let mut colour = self;
        while colour.contrast_with_white() < Accent::MIN_CONTRAST {
            colour = Accent(colour.0.map(|c| (u16::from(c) * 15 / 16) as u8));
        }
        colour
    }

    /// WCAG's relative luminance.
    fn luminance(self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        let [r, g, b] = self.0;
        0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_six_digit_hex_colours_are_accents() {
        assert_eq!(Accent::parse("#D2462C").map(Accent::hex).as_deref(), Some("#d2462c"));
        assert_eq!(Accent::parse("0a0b0c").map(Accent::hex).as_deref(), Some("#0a0b0c"));
        for bad in ["", "#fff", "red", "#12345g", "#1234567", "#12 456", "url(x)", "#ｄ2462c", "javascript:"]
        {
            assert_eq!(Accent::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn contrast_follows_wcag() {
        assert!((Accent::parse("#000000").unwrap().contrast_with_white() - 21.0).abs() < 1e-9);
        assert!((Accent::parse("#ffffff").unwrap().contrast_with_white() - 1.0).abs() < 1e-9);
        // #767676 is the lightest grey that passes on white: 4.54.
        assert!((Accent::parse("#767676").unwrap().contrast_with_white() - 4.54).abs() < 0.01);
    }

    #[test]
    fn a_light_accent_is_darkened_until_white_text_on_it_is_readable() {
        for light in ["#ffff00", "#ffffff", "#7fd3ff", "#ff8800"] {
            let readable = Accent::parse(light).unwrap().readable();
            assert!(readable.contrast_with_white() >= Accent::MIN_CONTRAST, "{light} → {}", readable.hex());
            // Just enough: one step lighter would not do.
            let lighter = Accent(readable.0.map(|c| (u16::from(c) * 16 / 15).min(255) as u8));
            assert!(
                lighter.contrast_with_white() < Accent::MIN_CONTRAST + 0.8,
                "{light} → {}",
                readable.hex()
            );
        }
        let yellow = Accent::parse("#ffff00").unwrap().readable().0;
        assert_eq!(yellow[0], yellow[1], "the hue stays: still a yellow, only darker");
        let dark = Accent::parse("#1f3a93").unwrap();
        assert_eq!(dark.readable(), dark, "a dark colour stays as chosen");
    }
}
