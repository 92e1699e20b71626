//! The pulse sensor on A0, read by ADC0 as the 10-bit values the core's
//! pulse detector expects (0-1023 over 0-3.3 V).
//!
//! Each reading is the hardware average of eight 12-bit conversions
//! ([`OVERSAMPLING`], about 55 µs in all at a 3 MHz ADC clock), which takes
//! the edge off the ADC's own noise without touching the pulse's shape; the
//! average is then shifted down to 10 bits.
//!
//! On the SAMD51 the HAL's ADC only takes clocks of the newer `clock::v2`
//! API, while the board crate's UART and USB helpers (and the timer) use
//! the older `GenericClockController`. [`Sensor::new`] takes the v2 tokens
//! that `clock_system_at_reset` handed out before the v1 controller took
//! over the clock registers, and uses them for the ADC only: its bus clock
//! and a generator (GCLK3, unused by v1) fed from the 48 MHz DFLL.

use itsybitsy_m4 as bsp;

use bsp::hal::adc::{
    Accumulation, Adc, Adc0 as AdcInstance0, AdcBuilder, BuilderError, Prescaler, Reference,
    SampleCount,
};
use bsp::hal::clock::v2::{
    Source,
    apb::{Apb, ApbToken},
    dfll::DfllId,
    gclk::{Gclk, Gclk3Id, GclkToken},
    pclk::{Pclk, PclkToken},
    types::Adc0,
};
use bsp::hal::pac;
use bsp::hal::typelevel::Increment;

/// Conversions averaged into one reading.
pub const OVERSAMPLING: SampleCount = SampleCount::_8;

/// The sensor's pin, A0 (PA02) in its analog function.
pub type SensorPin = bsp::Analog0;

/// ADC0 and its input.
pub struct Sensor {
    adc: Adc<AdcInstance0>,
    pin: SensorPin,
}

/// The `clock::v2` pieces the ADC needs.
pub struct AdcClocks<'a, D> {
    pub apb: &'a mut Apb,
    pub apb_token: ApbToken<Adc0>,
    pub gclk3_token: GclkToken<Gclk3Id>,
    pub pclk_token: PclkToken<Adc0>,
    /// The 48 MHz DFLL, still running after the v1 set-up (in USB clock
    /// recovery mode).
    pub dfll: D,
}

impl Sensor {
    /// Sets up ADC0 on A0: GCLK3 = DFLL 48 MHz, divided by 16 for a 3 MHz
    /// ADC clock; VDDANA (3.3 V) reference.
    pub fn new<D>(
        clocks: AdcClocks<'_, D>,
        adc0: pac::Adc0,
        pin: impl Into<SensorPin>,
    ) -> Result<Self, BuilderError>
    where
        D: Source<Id = DfllId> + Increment,
    {
        let apb_adc0 = clocks.apb.enable(clocks.apb_token);
        let (gclk3, _dfll) = Gclk::from_source(clocks.gclk3_token, clocks.dfll);
        let gclk3 = gclk3.enable();
        // The PCLK stays enabled for good: nothing here ever disables it.
        let (pclk_adc0, _gclk3) = Pclk::enable(clocks.pclk_token, gclk3);
        let adc: Adc<AdcInstance0> = AdcBuilder::new(Accumulation::average(OVERSAMPLING))
            .with_clock_divider(Prescaler::Div16)
            .with_clock_cycles_per_sample(8)
            .with_vref(Reference::Intvcc1)
            .enable(adc0, apb_adc0, &pclk_adc0)?;
        Ok(Sensor {
            adc,
            pin: pin.into(),
        })
    }

    /// One reading, 0-1023. Blocks for the conversions (about 55 µs).
    pub fn read(&mut self) -> u16 {
        (self.adc.read(&mut self.pin) >> 2).min(1023)
    }
}
