//! Complex midpoint–radius ("ball") arithmetic over `f64`.
//!
//! A [`Ball`] is a midpoint with separate error radii for its real and
//! imaginary parts: the true value lies within them. Each operation widens
//! the radii by how far its inputs could move the result plus a rounding
//! allowance, so two values whose balls do not overlap are certainly
//! different, and two whose balls overlap tightly agree to the last few bits.
//! That is what lets the comparison say NotEqual with confidence, Equal only
//! at a tight tolerance, and Unknown when cancellation ate the precision.
//!
//! The allowance assumes the platform's `libm` is accurate to a couple of
//! ulps, which holds for the functions used here on every tier-1 target.

use std::f64::consts::PI;

use crate::eval::EvalError;

/// Rounding allowance per operation, relative.
const U: f64 = 4.0 * f64::EPSILON;
/// Beyond this magnitude `f64` results are not trusted.
const RANGE: f64 = 1e300;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ball {
    pub(crate) re: f64,
    pub(crate) im: f64,
    pub(crate) er: f64,
    pub(crate) ei: f64,
}

impl Ball {
    pub(crate) fn real(re: f64, er: f64) -> Ball {
        Ball {
            re,
            im: 0.0,
            er,
            ei: 0.0,
        }
    }

    pub(crate) fn pi() -> Ball {
        Ball::real(PI, U * PI)
    }

    pub(crate) fn e() -> Ball {
        Ball::real(std::f64::consts::E, U * 3.0)
    }

    /// Exactly real: no imaginary part and no doubt about it.
    pub(crate) fn is_real(&self) -> bool {
        self.im == 0.0 && self.ei == 0.0
    }

    pub(crate) fn modulus(&self) -> f64 {
        self.re.hypot(self.im)
    }

    fn radius(&self) -> f64 {
        self.er.hypot(self.ei)
    }

    fn check(self) -> Result<Ball, EvalError> {
        let parts = [self.re, self.im, self.er, self.ei];
        if parts.iter().any(|v| v.is_nan()) {
            return Err(EvalError::Undefined);
        }
        if parts.iter().any(|v| !v.is_finite() || v.abs() > RANGE) {
            return Err(EvalError::OutOfRange);
        }
        Ok(self)
    }

    pub(crate) fn neg(self) -> Ball {
        Ball {
            re: -self.re,
            im: -self.im,
            ..self
        }
    }

    pub(crate) fn add(self, o: Ball) -> Result<Ball, EvalError> {
        let re = self.re + o.re;
        let im = self.im + o.im;
        Ball {
            re,
            im,
            er: self.er + o.er + U * re.abs(),
            ei: self.ei + o.ei + U * im.abs(),
        }
        .check()
    }

    pub(crate) fn mul(self, o: Ball) -> Result<Ball, EvalError> {
        // |xy - x'y'| <= |x||dy| + |y||dx| + |dx||dy|, applied per component product.
        let prod_err = |x: f64, ex: f64, y: f64, ey: f64| {
            x.abs() * ey + y.abs() * ex + ex * ey + U * (x * y).abs()
        };
        if self.is_real() && o.is_real() {
            return Ball::real(self.re * o.re, prod_err(self.re, self.er, o.re, o.er)).check();
        }
        let re = self.re * o.re - self.im * o.im;
        let im = self.re * o.im + self.im * o.re;
        let er = prod_err(self.re, self.er, o.re, o.er)
            + prod_err(self.im, self.ei, o.im, o.ei)
            + U * re.abs();
        let ei = prod_err(self.re, self.er, o.im, o.ei)
            + prod_err(self.im, self.ei, o.re, o.er)
            + U * im.abs();
        Ball { re, im, er, ei }.check()
    }

    pub(crate) fn recip(self) -> Result<Ball, EvalError> {
        if self.is_real() {
            let a = self.re.abs();
            if a <= self.er {
                return Err(EvalError::Undefined);
            }
            let v = 1.0 / self.re;
            return Ball::real(v, self.er / (a * (a - self.er)) + U * v.abs()).check();
        }
        let m = self.modulus();
        let em = self.radius();
        if m <= em {
            return Err(EvalError::Undefined);
        }
        let m2 = m * m;
        let e = em / (m * (m - em)) + 2.0 * U / m;
        Ball {
            re: self.re / m2,
            im: -self.im / m2,
            er: e,
            ei: e,
        }
        .check()
    }

    pub(crate) fn div(self, o: Ball) -> Result<Ball, EvalError> {
        self.mul(o.recip()?)
    }

    pub(crate) fn abs(self) -> Result<Ball, EvalError> {
        let m = self.modulus();
        Ball::real(m, self.radius() + U * m).check()
    }

    pub(crate) fn exp(self) -> Result<Ball, EvalError> {
        if self.re > 690.0 {
            return Err(EvalError::OutOfRange);
        }
        let r = self.re.exp();
        if self.is_real() {
            return Ball::real(r, r * self.er.exp_m1() + U * r).check();
        }
        let (s, c) = self.im.sin_cos();
        let d = self.radius();
        // |e^(z+d) - e^z| <= |e^z| (e^|d| - 1); sin/cos of a large argument lose U·|im|.
        let e = r * d.exp_m1() + U * r * (2.0 + self.im.abs());
        Ball {
            re: r * c,
            im: r * s,
            er: e,
            ei: e,
        }
        .check()
    }

    pub(crate) fn ln(self) -> Result<Ball, EvalError> {
        if self.is_real() {
            let a = self.re.abs();
            if a <= self.er {
                return Err(EvalError::Undefined);
            }
            let v = a.ln();
            let e = (a / (a - self.er)).ln() + U * (v.abs() + 1.0);
            let (im, ei) = if self.re < 0.0 {
                (PI, U * PI)
            } else {
                (0.0, 0.0)
            };
            return Ball {
                re: v,
                im,
                er: e,
                ei,
            }
            .check();
        }
        if self.re < 0.0 && self.im.abs() <= self.ei {
            // Straddles the branch cut: the imaginary part could be ±π.
            return Err(EvalError::Imprecise);
        }
        let m = self.modulus();
        let em = self.radius();
        if m <= em {
            return Err(EvalError::Undefined);
        }
        let v = m.ln();
        let er = (m / (m - em)).ln() + U * (v.abs() + 1.0);
        let ei = 2.0 * em / (m - em) + U * PI;
        Ball {
            re: v,
            im: self.im.atan2(self.re),
            er,
            ei,
        }
        .check()
    }

    pub(crate) fn sqrt(self) -> Result<Ball, EvalError> {
        let lip = |v: f64, e: f64| {
            if v > 0.0 {
                (e / v).min(e.sqrt())
            } else {
                e.sqrt()
            }
        };
        if self.is_real() {
            if self.re - self.er >= 0.0 {
                let v = self.re.sqrt();
                return Ball::real(v, lip(v, self.er) + U * v).check();
            }
            if self.re + self.er < 0.0 {
                let v = (-self.re).sqrt();
                return Ball {
                    re: 0.0,
                    im: v,
                    er: 0.0,
                    ei: lip(v, self.er) + U * v,
                }
                .check();
            }
            // Could be either side of zero: real or imaginary.
            let er = (self.re.max(0.0) + self.er).sqrt();
            let ei = ((-self.re).max(0.0) + self.er).sqrt();
            let (re, im) = if self.re >= 0.0 {
                (self.re.sqrt(), 0.0)
            } else {
                (0.0, (-self.re).sqrt())
            };
            return Ball { re, im, er, ei }.check();
        }
        if self.re < 0.0 && self.im.abs() <= self.ei {
            return Err(EvalError::Imprecise);
        }
        let m = self.modulus();
        let em = self.radius();
        let t = ((m + self.re.abs()) / 2.0).sqrt();
        let (re, im) = if t == 0.0 {
            (0.0, 0.0)
        } else if self.re >= 0.0 {
            (t, self.im / (2.0 * t))
        } else {
            (self.im.abs() / (2.0 * t), t.copysign(self.im))
        };
        let e = if m > em {
            (em / (m - em).sqrt()).min((2.0 * em).sqrt())
        } else {
            (2.0 * em).sqrt()
        };
        let e = e + U * 2.0 * m.sqrt();
        Ball {
            re,
            im,
            er: e,
            ei: e,
        }
        .check()
    }

    pub(crate) fn powi(self, n: i64) -> Result<Ball, EvalError> {
        let mut base = if n < 0 { self.recip()? } else { self };
        let mut acc = Ball::real(1.0, 0.0);
        let mut k = n.unsigned_abs();
        while k > 0 {
            if k & 1 == 1 {
                acc = acc.mul(base)?;
            }
            k >>= 1;
            if k > 0 {
                base = base.mul(base)?;
            }
        }
        Ok(acc)
    }

    /// Principal value of `self^e`.
    pub(crate) fn pow(self, e: Ball) -> Result<Ball, EvalError> {
        if self.re == 0.0 && self.im == 0.0 && self.er == 0.0 && self.ei == 0.0 {
            return if e.is_real() && e.re - e.er > 0.0 {
                Ok(self)
            } else {
                Err(EvalError::Undefined)
            };
        }
        e.mul(self.ln()?)?.exp()
    }

    pub(crate) fn sin(self) -> Result<Ball, EvalError> {
        let (s, c) = self.re.sin_cos();
        if self.is_real() {
            return Ball::real(s, self.er + U * (1.0 + self.re.abs())).check();
        }
        self.trig_complex(s * self.im.cosh(), c * self.im.sinh())
    }

    pub(crate) fn cos(self) -> Result<Ball, EvalError> {
        let (s, c) = self.re.sin_cos();
        if self.is_real() {
            return Ball::real(c, self.er + U * (1.0 + self.re.abs())).check();
        }
        self.trig_complex(c * self.im.cosh(), -s * self.im.sinh())
    }

    fn trig_complex(self, re: f64, im: f64) -> Result<Ball, EvalError> {
        // |sin'| = |cos| <= cosh(|Im z|) on the ball.
        let d = self.radius();
        let grow = (self.im.abs() + d).cosh();
        let e = d * grow + U * (2.0 + self.re.abs()) * grow;
        Ball {
            re,
            im,
            er: e,
            ei: e,
        }
        .check()
    }

    pub(crate) fn asin(self) -> Result<Ball, EvalError> {
        let lip = self.inverse_trig_lipschitz()?;
        let v = self.re.asin();
        Ball::real(v, self.er * lip + U * (1.0 + v.abs())).check()
    }

    pub(crate) fn acos(self) -> Result<Ball, EvalError> {
        let lip = self.inverse_trig_lipschitz()?;
        let v = self.re.acos();
        Ball::real(v, self.er * lip + U * (1.0 + v.abs())).check()
    }

    fn inverse_trig_lipschitz(&self) -> Result<f64, EvalError> {
        if !self.is_real() {
            return Err(EvalError::Unsupported(
                "inverse trigonometric function of a complex value",
            ));
        }
        let edge = self.re.abs() + self.er;
        if edge < 1.0 {
            Ok(1.0 / (1.0 - edge * edge).sqrt())
        } else if self.er == 0.0 && self.re.abs() <= 1.0 {
            Ok(0.0)
        } else if self.re.abs() - self.er > 1.0 {
            Err(EvalError::Unsupported("arcsin/arccos outside [-1, 1]"))
        } else {
            Err(EvalError::Imprecise)
        }
    }

    pub(crate) fn atan(self) -> Result<Ball, EvalError> {
        if !self.is_real() {
            return Err(EvalError::Unsupported("arctan of a complex value"));
        }
        let v = self.re.atan();
        Ball::real(v, self.er + U * (1.0 + v.abs())).check()
    }

    /// `floor`/`ceil`, defined only when the whole ball rounds the same way.
    pub(crate) fn round_with(self, f: fn(f64) -> f64) -> Result<Ball, EvalError> {
        if !self.is_real() {
            return Err(EvalError::Unsupported("floor of a complex value"));
        }
        let (lo, hi) = (f(self.re - self.er), f(self.re + self.er));
        if lo == hi {
            Ball::real(lo, 0.0).check()
        } else {
            Err(EvalError::Imprecise)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_of_pi_is_zero_within_its_radius() {
        let s = Ball::pi().sin().unwrap();
        assert!(s.re.abs() <= s.er);
    }

    #[test]
    fn square_root_of_minus_four_is_two_i() {
        let r = Ball::real(-4.0, 0.0).sqrt().unwrap();
        assert_eq!((r.re, r.im), (0.0, 2.0));
    }

    #[test]
    fn division_by_a_ball_around_zero_is_refused() {
        assert!(Ball::real(1.0, 0.0).div(Ball::real(1e-17, 1e-16)).is_err());
    }
}
