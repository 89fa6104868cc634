//! UDPTL tests: the golden datagrams of notes §3.5, codec errors, sender sizing, and receiver
//! behaviour under loss, duplication, reordering, wrap-around and restarts.

use proptest::prelude::*;

use super::*;

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace().map(|b| u8::from_str_radix(b, 16).unwrap()).collect()
}

fn ifp(seq: u16, data: &[u8]) -> Received {
    Received::Ifp { seq, data: data.to_vec() }
}

fn redundancy(seq: u16, primary: &str, secondaries: &[&str]) -> UdptlPacket {
    UdptlPacket {
        seq,
        primary: hex(primary),
        recovery: Recovery::Redundancy(secondaries.iter().map(|s| hex(s)).collect()),
    }
}

/// The golden datagrams (redundancy depth 3) and the IFPs they were built from.
fn golden_datagrams() -> Vec<(UdptlPacket, Vec<u8>)> {
    vec![
        (redundancy(0, "00", &[]), hex("00 00 01 00 00 00")),
        (redundancy(1, "04", &["00"]), hex("00 01 01 04 00 01 01 00")),
        (redundancy(3, "06", &["00", "04", "00"]), hex("00 03 01 06 00 03 01 00 01 04 01 00")),
        (
            redundancy(4, "c0 01 80 00 00 ff", &["06", "00", "04"]),
            hex("00 04 06 c0 01 80 00 00 ff 00 03 01 06 01 00 01 04"),
        ),
    ]
}

#[test]
fn golden_datagrams_encode_and_decode() {
    for (packet, bytes) in golden_datagrams() {
        assert_eq!(packet.encode().unwrap(), bytes, "encode seq {}", packet.seq);
        assert_eq!(UdptlPacket::decode(&bytes).unwrap(), packet, "decode seq {}", packet.seq);
    }
}

#[test]
fn golden_datagrams_from_the_sender() {
    let mut sender = UdptlSender::new(ErrorCorrection::Redundancy { depth: 3 }, 400);
    let sent: Vec<_> =
        ["00", "04", "00", "06", "c0 01 80 00 00 ff"].iter().map(|ifp| sender.send(&hex(ifp)).unwrap()).collect();
    let golden = golden_datagrams();
    assert_eq!(sent[0], (0, golden[0].1.clone()));
    assert_eq!(sent[1], (1, golden[1].1.clone()));
    assert_eq!(sent[3], (3, golden[2].1.clone()));
    assert_eq!(sent[4], (4, golden[3].1.clone()));
}

#[test]
fn zero_length_ifp_is_sent_as_one_zero_octet() {
    let packet = UdptlPacket { seq: 7, primary: vec![], recovery: Recovery::Redundancy(vec![vec![]]) };
    assert_eq!(packet.encode().unwrap(), hex("00 07 01 00 00 01 01 00"));
    // A zero length on the wire is accepted too.
    assert_eq!(UdptlPacket::decode(&hex("00 07 00 00 01 00")).unwrap(), packet);
}

#[test]
fn fec_packet_coding() {
    let packet = UdptlPacket {
        seq: 0x0102,
        primary: hex("06"),
        recovery: Recovery::Fec { span: 3, entries: vec![hex("aa bb"), hex("cc")] },
    };
    let bytes = hex("01 02 01 06 80 01 03 02 02 aa bb 01 cc");
    assert_eq!(packet.encode().unwrap(), bytes);
    assert_eq!(UdptlPacket::decode(&bytes).unwrap(), packet);
    // Spans needing more octets use the minimal two's-complement coding; an unsigned octet is read as such.
    let wide = UdptlPacket { recovery: Recovery::Fec { span: 200, entries: vec![] }, ..packet.clone() };
    assert_eq!(wide.encode().unwrap(), hex("01 02 01 06 80 02 00 c8 00"));
    assert_eq!(UdptlPacket::decode(&hex("01 02 01 06 80 01 c8 00")).unwrap(), wide);
}

#[test]
fn malformed_datagrams_name_the_problem() {
    use Part::*;
    let cases: Vec<(&str, UdptlError)> = vec![
        ("", UdptlError::Truncated(SeqNumber)),
        ("00", UdptlError::Truncated(SeqNumber)),
        ("00 01", UdptlError::Truncated(Primary)),
        ("00 01 05 01 02", UdptlError::Overrun { part: Primary, declared: 5, remaining: 2 }),
        ("00 01 c1 00", UdptlError::Fragmented(Primary)),
        ("00 01 01 06", UdptlError::Truncated(ErrorRecovery)),
        ("00 01 01 06 00", UdptlError::Truncated(SecondaryCount)),
        ("00 01 01 06 00 bf ff", UdptlError::Truncated(Secondary(1))),
        ("00 01 01 06 00 02 01 00 81 2c 00", UdptlError::Overrun { part: Secondary(2), declared: 300, remaining: 1 }),
        ("00 01 01 06 80", UdptlError::Truncated(FecSpan)),
        ("00 01 01 06 80 00", UdptlError::BadFecSpan(0)),
        ("00 01 01 06 80 06 00 00 00 00 00 00", UdptlError::BadFecSpan(6)),
        ("00 01 01 06 80 05 01 00 00 00 00 00", UdptlError::BadFecSpan(5)),
        ("00 01 01 06 80 02 03", UdptlError::Truncated(FecSpan)),
        ("00 01 01 06 80 01 03", UdptlError::Truncated(FecEntryCount)),
        ("00 01 01 06 80 01 03 7f 01 00", UdptlError::Truncated(FecEntry(2))),
        ("00 01 01 06 00 00 00", UdptlError::TrailingOctets(1)),
    ];
    for (bytes, error) in cases {
        assert_eq!(UdptlPacket::decode(&hex(bytes)), Err(error.clone()), "{bytes}");
    }
    assert_eq!(
        UdptlError::Overrun { part: Secondary(2), declared: 300, remaining: 12 }.to_string(),
        "UDPTL truncated: secondary IFP 2 declares 300 octets, 12 remain"
    );
    let too_long = UdptlPacket { seq: 0, primary: vec![0; MAX_IFP_LEN + 1], recovery: Recovery::Redundancy(vec![]) };
    assert_eq!(too_long.encode(), Err(UdptlError::TooLong { part: Primary, len: MAX_IFP_LEN + 1 }));
    let mut sender = UdptlSender::new(ErrorCorrection::None, 0);
    assert!(sender.send(&[0; MAX_IFP_LEN + 1]).is_err());
    assert_eq!(sender.next_seq(), 0);
}

#[test]
fn sender_clamps_silly_datagram_sizes_and_sheds_secondaries_to_fit() {
    for silly in [0, 1401, 65535] {
        assert_eq!(UdptlSender::new(ErrorCorrection::None, silly).max_datagram(), DEFAULT_MAX_DATAGRAM);
    }
    assert_eq!(UdptlSender::new(ErrorCorrection::None, 1400).max_datagram(), 1400);
    let mut sender = UdptlSender::new(ErrorCorrection::Redundancy { depth: 3 }, 100);
    for _ in 0..3 {
        sender.send(&[0x11; 40]).unwrap();
    }
    // 40-octet IFPs: primary (2+41) + 0x00 + count + one secondary (41) = 86 fits, two do not.
    let (_, datagram) = sender.send(&[0x22; 40]).unwrap();
    assert!(datagram.len() <= 100);
    let UdptlPacket { primary, recovery, .. } = UdptlPacket::decode(&datagram).unwrap();
    assert_eq!((primary, recovery), (vec![0x22; 40], Recovery::Redundancy(vec![vec![0x11; 40]])));
    // The primary goes even when nothing else fits.
    let (_, datagram) = sender.send(&[0x33; 200]).unwrap();
    assert_eq!(UdptlPacket::decode(&datagram).unwrap().recovery, Recovery::Redundancy(vec![]));
}

#[test]
fn sender_numbers_wrap_and_schemes_clamp() {
    let mut sender = UdptlSender::new(ErrorCorrection::None, 400);
    for expected in 0..3u16 {
        assert_eq!(sender.send(b"\x00").unwrap().0, expected);
    }
    let mut sender = UdptlSender::new(ErrorCorrection::None, 400).starting_at(0xFFFF);
    assert_eq!(sender.send(b"\x00").unwrap().0, 0xFFFF);
    assert_eq!(sender.send(b"\x00").unwrap().0, 0);
    assert_eq!(ErrorCorrection::Redundancy { depth: 200 }.clamped(), ErrorCorrection::Redundancy { depth: 16 });
    assert_eq!(ErrorCorrection::Redundancy { depth: 0 }.clamped(), ErrorCorrection::None);
    assert_eq!(ErrorCorrection::Fec { span: 0, entries: 0 }.clamped(), ErrorCorrection::Fec { span: 1, entries: 1 });
    assert_eq!(ErrorCorrection::Fec { span: 9, entries: 5 }.clamped(), ErrorCorrection::Fec { span: 6, entries: 5 });
    assert_eq!(UdptlSender::new(ErrorCorrection::Redundancy { depth: 3 }, 400).max_ifp_len(), 94);
    assert_eq!(UdptlSender::new(ErrorCorrection::Redundancy { depth: 3 }, 200).max_ifp_len(), 92);
    assert_eq!(UdptlSender::new(ErrorCorrection::Fec { span: 3, entries: 3 }, 400).max_ifp_len(), 186);
}

#[test]
fn fec_sender_winds_up_like_asterisk() {
    let mut sender = UdptlSender::new(ErrorCorrection::Fec { span: 2, entries: 2 }, 400);
    let mut shapes = Vec::new();
    for i in 0..6u8 {
        let (_, datagram) = sender.send(&[i + 1]).unwrap();
        let Recovery::Fec { span, entries } = UdptlPacket::decode(&datagram).unwrap().recovery else { panic!() };
        shapes.push((span, entries));
    }
    assert_eq!(shapes[0], (0, vec![]));
    assert_eq!(shapes[1], (0, vec![]));
    assert_eq!(shapes[2], (2, vec![vec![1 ^ 2]]));
    assert_eq!(shapes[3], (2, vec![vec![2 ^ 3]]));
    // Full strength: entry m covers seq-4+m and seq-2+m.
    assert_eq!(shapes[4], (2, vec![vec![1 ^ 3], vec![2 ^ 4]]));
    assert_eq!(shapes[5], (2, vec![vec![2 ^ 4], vec![3 ^ 5]]));
}

fn ifp_payload(i: usize) -> Vec<u8> {
    // Varying lengths, so FEC rebuilds carry zero padding; never empty.
    let len = 1 + (i * 7) % 13;
    (0..len).map(|j| (i * 31 + j) as u8 | 1).collect()
}

/// Feeds `datagrams` (by index into `sent`) and checks every IFP index in `expect` arrived once,
/// in order, possibly with trailing zero padding.
fn deliver(receiver: &mut UdptlReceiver, datagrams: &[Vec<u8>], order: &[usize]) -> Vec<Received> {
    order.iter().flat_map(|&i| receiver.receive(&datagrams[i]).unwrap()).collect()
}

fn assert_all_delivered(got: &[Received], n: usize, first_seq: u16) {
    let seqs: Vec<u16> = got
        .iter()
        .map(|r| match r {
            Received::Ifp { seq, .. } => *seq,
            other => panic!("unexpected {other:?} in {got:?}"),
        })
        .collect();
    let expected: Vec<u16> = (0..n).map(|i| first_seq.wrapping_add(i as u16)).collect();
    assert_eq!(seqs, expected);
    for (i, r) in got.iter().enumerate() {
        let Received::Ifp { data, .. } = r else { unreachable!() };
        let want = ifp_payload(i);
        assert_eq!(&data[..want.len()], &want[..], "IFP {i}");
        assert!(data[want.len()..].iter().all(|&b| b == 0), "IFP {i} padding");
    }
}

fn send_all(scheme: ErrorCorrection, n: usize, first_seq: u16) -> Vec<Vec<u8>> {
    let mut sender = UdptlSender::new(scheme, 1400).starting_at(first_seq);
    (0..n).map(|i| sender.send(&ifp_payload(i)).unwrap().1).collect()
}

#[test]
fn receiver_in_order_and_duplicates() {
    let datagrams = send_all(ErrorCorrection::Redundancy { depth: 3 }, 10, 0);
    let mut receiver = UdptlReceiver::new();
    // Every datagram three times, as SpanDSP repeats key packets with one sequence number.
    let order: Vec<usize> = (0..10).flat_map(|i| [i, i, i]).collect();
    let got = deliver(&mut receiver, &datagrams, &order);
    assert_all_delivered(&got, 10, 0);
    assert_eq!(receiver.stats().duplicates, 20);
    assert_eq!(receiver.expected(), Some(10));
}

#[test]
fn receiver_reports_unrecoverable_loss_and_drops_late_packets() {
    let datagrams = send_all(ErrorCorrection::Redundancy { depth: 1 }, 8, 0);
    let mut receiver = UdptlReceiver::new();
    let got = deliver(&mut receiver, &datagrams, &[0, 1, 5, 2, 3, 6, 7]);
    assert_eq!(
        got,
        vec![
            ifp(0, &ifp_payload(0)),
            ifp(1, &ifp_payload(1)),
            Received::Lost { first: 2, count: 2 },
            ifp(4, &ifp_payload(4)),
            ifp(5, &ifp_payload(5)),
            ifp(6, &ifp_payload(6)),
            ifp(7, &ifp_payload(7)),
        ]
    );
    let stats = receiver.stats();
    assert_eq!((stats.lost, stats.duplicates, stats.recovered_by_redundancy, stats.delivered), (2, 2, 1, 6));
}

#[test]
fn receiver_recovers_the_start_from_the_first_datagrams_secondaries() {
    let datagrams = send_all(ErrorCorrection::Redundancy { depth: 3 }, 6, 0);
    let mut receiver = UdptlReceiver::new();
    let got = deliver(&mut receiver, &datagrams, &[2, 3, 4, 5]);
    assert_all_delivered(&got, 6, 0);
}

#[test]
fn receiver_wraps_0xffff_to_0() {
    let datagrams = send_all(ErrorCorrection::Redundancy { depth: 2 }, 8, 0xFFFC);
    let mut receiver = UdptlReceiver::new();
    // Lose the datagrams of 0xFFFF and 0.
    let got = deliver(&mut receiver, &datagrams, &[0, 1, 2, 5, 6, 7]);
    assert_all_delivered(&got, 8, 0xFFFC);
}

#[test]
fn receiver_tolerates_a_far_end_wrapping_0xffff_to_1() {
    let mut sender = UdptlSender::new(ErrorCorrection::None, 400).starting_at(0xFFFE);
    let mut receiver = UdptlReceiver::new();
    let mut got = Vec::new();
    for i in 0..2 {
        got.extend(receiver.receive(&sender.send(&ifp_payload(i)).unwrap().1).unwrap());
    }
    // The far end skips 0.
    let skip = UdptlPacket { seq: 1, primary: ifp_payload(2), recovery: Recovery::Redundancy(vec![]) };
    got.extend(receiver.receive(&skip.encode().unwrap()).unwrap());
    assert_eq!(got[2..], [Received::Lost { first: 0, count: 1 }, ifp(1, &ifp_payload(2))]);

    // With redundancy the secondary "for 0" is really IFP 0xFFFF: not delivered twice.
    let mut receiver = UdptlReceiver::new();
    receiver.receive(&redundancy(0xFFFE, "02", &[]).encode().unwrap()).unwrap();
    receiver.receive(&redundancy(0xFFFF, "04", &["02"]).encode().unwrap()).unwrap();
    let got = receiver.receive(&redundancy(1, "06", &["04", "02"]).encode().unwrap()).unwrap();
    assert_eq!(got, [Received::Lost { first: 0, count: 1 }, ifp(1, &[0x06])]);
}

#[test]
fn receiver_resynchronises_on_big_jumps() {
    let mut receiver = UdptlReceiver::new();
    receiver.receive(&redundancy(100, "00", &[]).encode().unwrap()).unwrap();
    // Forward by more than the threshold.
    let got = receiver.receive(&redundancy(1000, "02", &["04"]).encode().unwrap()).unwrap();
    assert_eq!(got, [Received::Resync { expected: 101, seq: 1000 }, ifp(999, &[0x04]), ifp(1000, &[0x02])]);
    // Backward by more than the threshold: the far end restarted its numbering.
    let got = receiver.receive(&redundancy(0, "06", &[]).encode().unwrap()).unwrap();
    assert_eq!(got, [Received::Resync { expected: 1001, seq: 0 }, ifp(0, &[0x06])]);
    // A forward jump within the threshold is loss, not a restart.
    let got = receiver.receive(&redundancy(20, "08", &[]).encode().unwrap()).unwrap();
    assert_eq!(got, [Received::Lost { first: 1, count: 19 }, ifp(20, &[0x08])]);
    // A configurable threshold.
    let mut receiver = UdptlReceiver::new().with_resync_threshold(4);
    receiver.receive(&redundancy(0, "00", &[]).encode().unwrap()).unwrap();
    let got = receiver.receive(&redundancy(6, "00", &[]).encode().unwrap()).unwrap();
    assert_eq!(got[0], Received::Resync { expected: 1, seq: 6 });
    assert_eq!(receiver.stats().resyncs, 1);
}

#[test]
fn receiver_leaves_state_alone_on_malformed_datagrams() {
    let mut receiver = UdptlReceiver::new();
    receiver.receive(&redundancy(5, "00", &[]).encode().unwrap()).unwrap();
    assert!(receiver.receive(&hex("00 06 05 01")).is_err());
    assert_eq!(receiver.expected(), Some(6));
    assert_eq!(receiver.stats().malformed, 1);
    receiver.reset();
    assert_eq!(receiver.expected(), None);
}

#[test]
fn fec_rebuilds_a_single_loss_per_group() {
    let scheme = ErrorCorrection::Fec { span: 3, entries: 1 };
    let datagrams = send_all(scheme, 12, 0);
    let mut receiver = UdptlReceiver::new();
    let order: Vec<usize> = (0..12).filter(|&i| i != 7).collect();
    let got = deliver(&mut receiver, &datagrams, &order);
    assert_all_delivered(&got, 12, 0);
    assert_eq!(receiver.stats().recovered_by_fec, 1);
    // Two losses in one group cannot be rebuilt.
    let mut receiver = UdptlReceiver::new();
    let order: Vec<usize> = (0..12).filter(|&i| i != 7 && i != 8).collect();
    let got = deliver(&mut receiver, &datagrams, &order);
    assert!(got.contains(&Received::Lost { first: 7, count: 2 }), "{got:?}");
}

#[test]
fn fec_and_redundancy_may_be_mixed() {
    let mut datagrams = send_all(ErrorCorrection::Redundancy { depth: 2 }, 12, 0);
    let fec = send_all(ErrorCorrection::Fec { span: 2, entries: 2 }, 12, 0);
    datagrams[6..].clone_from_slice(&fec[6..]);
    let mut receiver = UdptlReceiver::new();
    let order: Vec<usize> = (0..12).filter(|&i| i != 4 && i != 9).collect();
    assert_all_delivered(&deliver(&mut receiver, &datagrams, &order), 12, 0);
}

/// Datagram indices kept, given a loss mask, always keeping the last one.
fn kept(lost: &[bool]) -> Vec<usize> {
    let n = lost.len();
    (0..n).filter(|&i| i + 1 == n || !lost[i]).collect()
}

/// Receives every fourth datagram of a longer burst, so no more than 3 in a row are lost.
fn limit_bursts(lost: &mut [bool]) {
    let mut run = 0;
    for l in lost.iter_mut() {
        run = if *l && run < 3 { run + 1 } else { 0 };
        *l = run > 0;
    }
}

proptest! {
    #[test]
    fn redundancy_depth_3_survives_bursts_of_3(mut lost in proptest::collection::vec(proptest::bool::weighted(0.4), 2..80), first in any::<u16>()) {
        limit_bursts(&mut lost);
        let datagrams = send_all(ErrorCorrection::Redundancy { depth: 3 }, lost.len(), first);
        let mut receiver = UdptlReceiver::new();
        // The first datagram may be lost too: the next one's secondaries carry it.
        let got = deliver(&mut receiver, &datagrams, &kept(&lost));
        assert_all_delivered(&got, lost.len(), first);
    }

    #[test]
    fn reordering_within_the_depth_recovers(perms in proptest::collection::vec(Just([0usize, 1, 2, 3]).prop_shuffle(), 1..20)) {
        let n = perms.len() * 4;
        let datagrams = send_all(ErrorCorrection::Redundancy { depth: 3 }, n, 0xFFF0);
        let order: Vec<usize> = perms.iter().enumerate().flat_map(|(b, p)| p.iter().map(move |j| b * 4 + j)).collect();
        let mut receiver = UdptlReceiver::new();
        assert_all_delivered(&deliver(&mut receiver, &datagrams, &order), n, 0xFFF0);
    }

    #[test]
    fn fec_recovers_bursts_up_to_the_entry_count(lost in proptest::collection::vec(proptest::bool::weighted(0.4), 12..80), first in any::<u16>()) {
        // span 3 × entries 3: consecutive losses fall in different groups; skip the wind-up.
        let mut lost = lost;
        lost[..10].iter_mut().for_each(|l| *l = false);
        limit_bursts(&mut lost);
        let datagrams = send_all(ErrorCorrection::Fec { span: 3, entries: 3 }, lost.len(), first);
        let mut receiver = UdptlReceiver::new();
        assert_all_delivered(&deliver(&mut receiver, &datagrams, &kept(&lost)), lost.len(), first);
    }

    #[test]
    fn datagram_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..48)) {
        if let Ok(packet) = UdptlPacket::decode(&bytes) {
            // Zero-length IFPs come back as one zero octet, so compare the second round.
            let again = packet.encode().unwrap();
            prop_assert_eq!(UdptlPacket::decode(&again).unwrap().encode().unwrap(), again);
        }
        let mut receiver = UdptlReceiver::new();
        for chunk in bytes.chunks(7) {
            let _ = receiver.receive(chunk);
        }
    }

    #[test]
    fn packet_round_trip(
        seq in any::<u16>(),
        primary in proptest::collection::vec(any::<u8>(), 1..200),
        list in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..200), 0..4),
        fec_span in proptest::option::of(any::<u32>()),
    ) {
        let recovery = match fec_span {
            Some(span) => Recovery::Fec { span, entries: list },
            None => Recovery::Redundancy(list),
        };
        let packet = UdptlPacket { seq, primary, recovery };
        prop_assert_eq!(UdptlPacket::decode(&packet.encode().unwrap()), Ok(packet));
    }
}
