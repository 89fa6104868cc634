use ferrofax_t30::{Listen, ModemCommand, ModemEvent, Tone};

use super::{AudioConfig, AudioTerminal};

const FRAME: usize = 160;

/// Runs `t` for `ms`, feeding `far` audio (silence when it runs out); returns what it sent and
/// the events it made, each with the sample count at which it was polled.
fn run(t: &mut AudioTerminal, ms: usize, far: &[i16]) -> (Vec<i16>, Vec<(usize, ModemEvent)>) {
    let mut sent = Vec::new();
    let mut events = Vec::new();
    let mut buf = [0i16; FRAME];
    while sent.len() < ms * 8 {
        let mut at = 0;
        while at < FRAME {
            at += t.transmit(&mut buf[at..]);
            while let Some(e) = t.poll_event() {
                events.push((sent.len() + at, e));
            }
        }
        let from = sent.len();
        let chunk: Vec<i16> = (from..from + FRAME).map(|i| far.get(i).copied().unwrap_or(0)).collect();
        t.receive(&chunk);
        while let Some(e) = t.poll_event() {
            events.push((from + FRAME, e));
        }
        sent.extend_from_slice(&buf);
    }
    (sent, events)
}

/// Where sound starts at or after `from` (a sine starts at phase 0, so its first sample is
/// silent: a signal starting at `n` is heard from `n + 1`).
fn first_sound(s: &[i16], from: usize) -> Option<usize> {
    s[from..].iter().position(|&x| x != 0).map(|p| p + from - 1)
}

fn dis() -> Vec<u8> {
    vec![0xff, 0xc8, 0x01, 0x00, 0x77, 0x1f]
}

#[test]
fn ced_follows_its_delay_and_control_frames_follow_the_gap() {
    let mut answerer = AudioTerminal::new(AudioConfig::default());
    answerer.handle_command(ModemCommand::SendTone { tone: Tone::Ced, ms: 3000 });
    let (sent, events) = run(&mut answerer, 3400, &[]);
    assert_eq!(first_sound(&sent, 0), Some(1600), "CED starts 200 ms after the answer");
    let done = events.iter().find(|e| e.1 == ModemEvent::TransmitDone).expect("CED ends").0;
    assert_eq!(done, 1600 + 24_000, "CED lasts 3 s");
    assert!(sent[1600..25_600].iter().any(|&x| x != 0) && sent[25_600..].iter().all(|&x| x == 0));

    let mut answerer = AudioTerminal::new(AudioConfig::default());
    answerer.handle_command(ModemCommand::SendControl(vec![dis()]));
    let (sent, events) = run(&mut answerer, 2500, &[]);
    assert_eq!(first_sound(&sent, 0), Some(600), "75 ms of silence before V.21");
    assert!(events.iter().any(|e| e.1 == ModemEvent::TransmitDone));

    // Another terminal hears the frame.
    let mut caller = AudioTerminal::new(AudioConfig::default());
    caller.handle_command(ModemCommand::Receive(Listen::Control));
    let (_, heard) = run(&mut caller, 2500, &sent);
    let heard: Vec<ModemEvent> = heard.into_iter().map(|e| e.1).collect();
    assert_eq!(
        heard,
        [
            ModemEvent::ControlStarted,
            ModemEvent::Frame { data: dis(), fcs_ok: true, modulation: None },
            ModemEvent::SignalEnded
        ]
    );
}

#[test]
fn a_caller_repeats_cng_until_the_far_end_is_heard() {
    let mut caller = AudioTerminal::new(AudioConfig::default());
    caller.handle_command(ModemCommand::SendTone { tone: Tone::Cng, ms: 500 });
    let (sent, events) = run(&mut caller, 8000, &[]);
    assert_eq!(events.iter().filter(|e| e.1 == ModemEvent::TransmitDone).count(), 1);
    // Bursts start at 0, 3.5 s and 7 s.
    for start in [0, 28_000, 56_000] {
        assert_eq!(first_sound(&sent, start + 1), Some(start), "burst at {start}");
        assert!(sent[start + 4000..start + 4200].iter().all(|&x| x == 0));
    }

    // With the far end's V.21 heard after 2 s, the cadence stops.
    let mut answerer = AudioTerminal::new(AudioConfig::default());
    answerer.handle_command(ModemCommand::SendControl(vec![dis()]));
    let (dis_audio, _) = run(&mut answerer, 2500, &[]);
    let mut far = vec![0i16; 16_000];
    far.extend(dis_audio);
    let mut caller = AudioTerminal::new(AudioConfig::default());
    caller.handle_command(ModemCommand::SendTone { tone: Tone::Cng, ms: 500 });
    let (sent, events) = run(&mut caller, 8000, &far);
    assert!(events.iter().any(|e| e.1 == ModemEvent::ControlStarted));
    assert!(sent[4000..].iter().all(|&x| x == 0), "no CNG once the answerer is heard");
}

#[test]
fn hangup_silences_the_terminal() {
    let mut t = AudioTerminal::new(AudioConfig::default());
    t.handle_command(ModemCommand::SendControl(vec![dis()]));
    let mut buf = [0i16; 4000];
    t.transmit(&mut buf);
    t.handle_command(ModemCommand::Hangup);
    assert!(t.is_hung_up() && t.is_idle());
    let n = t.transmit(&mut buf);
    assert_eq!(n, buf.len());
    assert!(buf.iter().all(|&x| x == 0));
}
