"""Synthetic clinical-note generator with exact entity offsets.

Builds notes from pieces (demographics, HPI with symptoms and negations, medication lists and in-text sigs in many
formats, allergies, labs, assessment, follow-up). Drug names come from the lexicon plus invented drug-like names, so
the network must learn sig context, not only the list.
"""
import random
import lexicon as L

DOSE_UNITS = ['mg'] * 10 + ['mcg'] * 2 + ['units'] * 2 + ['mEq', 'mL', 'g', '%', 'tablet', 'tablets', 'puffs', 'drops',
                                                        'capsule', 'tabs', 'mg/kg', 'IU', 'cc', 'unit', 'gm']
DOSE_NUMS = ['1', '2', '2.5', '5', '10', '12.5', '20', '25', '40', '50', '75', '80', '100', '125', '150', '200', '250',
             '300', '325', '400', '500', '600', '750', '800', '1000', '1,000', '0.5', '0.25', '0.125', '0.1', '4', '6',
             '8', '30', '60', '81', '88', '112', '137', '1/2', '1-2', '2-4', 'one', 'two', '15', '17', '3', '20/25',
             '80/12.5', '5/325', '10/325']
FREQS = ['daily', 'daily', 'q.d.', 'b.i.d.', 'b.i.d.', 't.i.d.', 'q.i.d.', 'q.h.s.', 'at bedtime', 'twice a day',
         'once a day', 'three times a day', 'four times a day', 'every 4 hours as needed', 'q.4h. p.r.n.', 'q.6h. p.r.n.',
         'q.6h.', 'q.8h.', 'q.12h.', 'every 6 hours', 'every morning', 'nightly', 'weekly', 'once weekly', 'p.r.n.',
         'as needed', 'BID', 'TID', 'QID', 'QHS', 'PRN', 'QD', 'qd', 'bid', 'tid', 'q4h prn', 'q.a.m.', 'every other day',
         'q.o.d.', 'twice daily', 'once daily', 'every 8 hours', 'every 12 hours', 'in the morning', 'at night',
         'q. day', 'q.day', 'h.s.', 'monthly', 'every 4 to 6 hours p.r.n.', 'q.4-6h. p.r.n.', 'daily p.r.n.', 'a day',
         'three times daily', 'four times daily', 'with meals', 'q.i.d. p.r.n.', 'q.8h. as needed', 'stat', 'x1']
ROUTES = ['p.o.', 'p.o.', 'p.o.', 'PO', 'po', 'by mouth', 'orally', 'IV', 'IV', 'intravenously', 'IM', 'subcutaneously',
          'subcu', 'sub-q', 'SQ', 'sublingual', 'SL', 'topically', 'inhaled', 'nebulized', 'per rectum', 'PR',
          'transdermal', 'per G-tube', 'intranasal', 'ophthalmic', 'in each eye', 'via nebulizer', 'intramuscularly']
SUFFIXES = ['olol', 'pril', 'sartan', 'statin', 'azole', 'mycin', 'cillin', 'dipine', 'tidine', 'prazole', 'floxacin',
            'mab', 'tinib', 'gliptin', 'zepam', 'oxetine', 'triptan', 'semide', 'parin', 'xaban', 'dronate', 'cort',
            'vir', 'lukast', 'terol', 'sone', 'profen', 'codone', 'phylline', 'ine', 'ex', 'in', 'ol', 'an', 'ix']
SYL = ['ca', 'ri', 'to', 'lo', 'me', 'va', 'zo', 'di', 'ne', 'pra', 'flu', 'ben', 'cor', 'ten', 'ami', 'sil', 'dex',
       'tra', 'xa', 'ge', 'mo', 'ro', 'ky', 'nu', 'ze', 'ol', 'el', 'an', 'pi', 'qui']
BRAND_FORM = ['', '', '', '', '', ' XL', ' CR', ' SR', ' ER', ' DS', ' #3', ' HCT']
FIRST = ['John', 'Mary', 'Robert', 'Linda', 'James', 'Patricia', 'Smith', 'Jones', 'Brown', 'Miller', 'Davis', 'Garcia']
CLASS_PHRASES = ['antibiotics', 'pain medication', 'narcotics', 'steroids', 'blood thinners', 'her medications',
                 'his medications', 'oxygen', 'alcohol', 'tobacco', 'IV fluids', 'anticoagulation', 'chemotherapy',
                 'antihypertensives', 'diuretics', 'insulin drip protocol']
LABS = [('sodium', '128-145', ''), ('potassium', '3.0-5.5', ''), ('creatinine', '0.6-3.5', ''), ('BUN', '8-60', ''),
        ('glucose', '70-400', ''), ('hemoglobin', '7.0-16.0', ''), ('hematocrit', '22-48', ''), ('WBC', '3.0-22.0', ''),
        ('white count', '3.0-22.0', ''), ('platelets', '90-450', ''), ('INR', '0.9-4.0', ''), ('troponin', '0.01-2.0', ''),
        ('TSH', '0.3-9.0', ''), ('hemoglobin A1c', '5.5-12.0', '%'), ('LDL', '60-220', ''), ('chloride', '95-110', ''),
        ('bicarbonate', '18-30', ''), ('magnesium', '1.5-2.6', ''), ('calcium', '8.0-10.8', ''), ('BNP', '20-1500', ''),
        ('ALT', '10-200', ''), ('AST', '10-200', ''), ('albumin', '2.5-4.8', ''), ('PSA', '0.5-12', ''),
        ('total cholesterol', '130-300', ''), ('triglycerides', '80-500', ''), ('lipase', '20-900', '')]
SYMPTOMS = [s for s in L.SYMPTOMS.split('|') if s not in ('pain', 'discharge', 'urgency')]
DIAGNOSES = L.DIAGNOSES.split('|')
NUMWORDS = ['1', '2', '3', '4', '6', 'one', 'two', 'three', 'six', 'a few', '1-2']


class Doc:
    def __init__(self):
        self.parts = []
        self.spans = []
        self.len = 0

    def add(self, s, label=None):
        if label:
            self.spans.append((self.len, self.len + len(s), label))
        self.parts.append(s)
        self.len += len(s)
        return self

    def text(self):
        return ''.join(self.parts)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.names = [n for n in L.drug_names() if '/' not in n and len(n) <= 24]

    def case(self, s):
        x = self.r.random()
        if x < 0.45:
            return s[0].upper() + s[1:]
        if x < 0.6:
            return s.upper()
        if x < 0.7:
            return s.title()
        return s

    def drug(self):
        if self.r.random() < 0.22:
            n = ''.join(self.r.choice(SYL) for _ in range(self.r.randint(1, 3))) + self.r.choice(SUFFIXES)
            return self.case(n)
        n = self.case(self.r.choice(self.names))
        return n + self.r.choice(BRAND_FORM) if self.r.random() < 0.3 else n

    def dose(self):
        u = self.r.choice(DOSE_UNITS)
        n = self.r.choice(DOSE_NUMS)
        sep = '' if self.r.random() < 0.15 and u not in ('tablet', 'tablets', 'puffs', 'drops', 'capsule', 'tabs') else ' '
        return n + sep + u

    def freq(self):
        return self.r.choice(FREQS)

    def route(self):
        return self.r.choice(ROUTES)

    def sig(self, d, lead=''):
        """name [dose] [route] [freq] in varied orders; returns nothing (writes to d)."""
        r = self.r
        d.add(lead)
        d.add(self.drug(), 'DRUG')
        parts = []
        if r.random() < 0.85:
            parts.append(('DOSE', self.dose()))
        if r.random() < 0.5:
            parts.append(('ROUTE', self.route()))
        if r.random() < 0.8:
            parts.append(('FREQ', self.freq()))
        if r.random() < 0.1 and len(parts) > 1:
            r.shuffle(parts)
        for label, s in parts:
            d.add(r.choice([' ', ' ', ' ', ', ']) if r.random() < 0.1 else ' ')
            if label == 'DOSE' and r.random() < 0.08:
                d.add('(')
                d.add(s, label)
                d.add(')')
                continue
            d.add(s, label)
        if r.random() < 0.12:
            d.add(r.choice([' for pain', ' for nausea', ' for sleep', ' for blood pressure', ' with food', ' for 7 days',
                            ' x 10 days', ' for anxiety']))

    def med_list(self, d):
        r = self.r
        head = r.choice(['MEDICATIONS:', 'CURRENT MEDICATIONS:', 'MEDICATIONS:,', 'DISCHARGE MEDICATIONS:',
                         'HOME MEDICATIONS:', 'Medications:', 'MEDICATIONS ON ADMISSION:', 'OUTPATIENT MEDICATIONS:'])
        d.add(head + r.choice([' ', '  ', '\n', ',  ']))
        n = r.randint(1, 9)
        style = r.choice(['numbered', 'comma', 'newline', 'semicolon', 'numbered_paren'])
        for i in range(n):
            lead = {'numbered': f'{i + 1}.  ', 'numbered_paren': f'{i + 1}) ', 'newline': '', 'comma': '',
                    'semicolon': ''}[style]
            self.sig(d, lead)
            sep = {'numbered': r.choice(['.  ', '  ', '\n']), 'numbered_paren': ' ', 'newline': '\n', 'comma': ', ',
                   'semicolon': '; '}[style]
            if i == n - 2 and style == 'comma' and r.random() < 0.5:
                sep = ', and '
            if i < n - 1:
                d.add(sep)
        d.add('.  ' if r.random() < 0.5 else '\n')

    def narrative_med(self, d):
        r = self.r
        lead = r.choice(['She is currently on ', 'He takes ', 'The patient was started on ', 'We will start ',
                         'He was discontinued from ', 'She stopped taking ', 'She has tried ', 'He was given ',
                         'Continue ', 'Patient is on ', 'I prescribed ', 'She was placed on ', 'He received ',
                         'He is no longer taking ', 'Will increase ', 'We will hold ', 'She was taken off ',
                         'The patient was treated with ', 'Recommend ', 'She denies taking ', 'Not on any '])
        d.add(lead)
        self.sig(d)
        if r.random() < 0.4:
            d.add(' and ')
            self.sig(d)
        if r.random() < 0.3:
            d.add(r.choice([' in the emergency room', ' with good relief', ' for her symptoms', ' last year',
                            ' two weeks ago', ' without improvement']))
        d.add('.  ')

    def allergies(self, d):
        r = self.r
        d.add(r.choice(['ALLERGIES: ', 'ALLERGIES:,  ', 'Allergies: ', 'She is allergic to ', 'DRUG ALLERGIES: ']))
        if r.random() < 0.25:
            d.add(r.choice(['No known drug allergies.', 'NKDA.', 'None.']))
            d.add('  ')
            return
        for i in range(r.randint(1, 3)):
            if i:
                d.add(r.choice([', ', ' and ', ', and ']))
            d.add(self.case(r.choice(['penicillin', 'sulfa', 'codeine', 'morphine', 'aspirin', 'iodine contrast',
                                      'latex', 'Keflex', 'Bactrim', 'erythromycin', 'ibuprofen', 'Demerol', 'tetracycline'])),
                  None)
            # drug allergens are drugs: relabel non-drug allergens afterwards
            s, e = d.len - len(d.parts[-1]), d.len
            if d.parts[-1].lower() not in ('latex', 'iodine contrast'):
                d.spans.append((s, e, 'DRUG'))
            if r.random() < 0.3:
                d.add(r.choice([' (rash)', ' causes hives', ' (nausea)']))
        d.add('.  ')

    def hpi(self, d):
        r = self.r
        age = str(r.randint(1, 95))
        sex = r.choice(['male', 'female', 'man', 'woman', 'gentleman', 'lady', 'boy', 'girl'])
        d.add(r.choice(['HISTORY OF PRESENT ILLNESS:,  ', 'HPI: ', 'SUBJECTIVE:,  ', '']))
        d.add(r.choice(['This is a ', 'The patient is a ', 'A ', 'Patient is a ', 'Mr. Smith is a ', 'This ']))
        d.add(age + r.choice(['-year-old', ' year old', '-year-old', ' years old']), 'AGE')
        d.add(r.choice([' white ', ' African-American ', ' Hispanic ', ' ', ' ']))
        d.add(sex, 'SEX')
        d.add(r.choice([' with a history of ', ' with ', ' who presents with ', ' with past medical history of ']))
        d.add(r.choice(DIAGNOSES), 'DIAGNOSIS')
        if r.random() < 0.6:
            d.add(r.choice([' and ', ', ']))
            d.add(r.choice(DIAGNOSES), 'DIAGNOSIS')
        d.add(r.choice([' who complains of ', ' presenting with ', '.  She reports ', '.  He complains of ']))
        d.add(r.choice(SYMPTOMS), 'SYMPTOM')
        if r.random() < 0.5:
            d.add(' and ')
            d.add(r.choice(SYMPTOMS), 'SYMPTOM')
        d.add(r.choice([' for the past 3 days', ' since yesterday', ' for two weeks', '']) + '.  ')
        if r.random() < 0.8:
            d.add(r.choice(['She denies ', 'He denies ', 'No ', 'Negative for ', 'The patient denies any ',
                            'There is no ']))
            d.add(r.choice(SYMPTOMS), 'SYMPTOM')
            for _ in range(r.randint(0, 2)):
                d.add(r.choice([', ', ' or ', ' and ']))
                d.add(r.choice(SYMPTOMS), 'SYMPTOM')
            d.add('.  ')

    def labs(self, d):
        r = self.r
        d.add(r.choice(['LABORATORY DATA: ', 'LABS: ', 'Labs showed ', 'Laboratory studies revealed ', 'LAB: ']))
        for i in range(r.randint(1, 6)):
            name, rng, unit = r.choice(LABS)
            lo, hi = (float(x) for x in rng.split('-'))
            v = lo + (hi - lo) * r.random()
            val = f'{v:.1f}' if hi < 20 else str(int(v))
            if i:
                d.add(r.choice([', ', ', ', '; ', ' and ']))
            d.add(self.case(name) if r.random() < 0.3 else name, 'LAB_NAME')
            d.add(r.choice([' ', ' of ', ' was ', ' is ', ': ', ' level ']))
            d.add(val, 'LAB_VALUE')
            if unit:
                d.add(unit)
        d.add('.  ')

    def followup(self, d):
        r = self.r
        core = (r.choice(['Follow up in ', 'Follow-up in ', 'Return to clinic in ', 'Followup in ', 'Recheck in ',
                          'Return in ', 'follow up with Dr. Smith in ', 'Follow up with cardiology in ']) +
                r.choice(NUMWORDS) + ' ' + r.choice(['days', 'weeks', 'months', 'week', 'month', 'year']))
        d.add(r.choice(['PLAN: ', 'The patient will ', 'We will see her back.  ', '', 'Disposition: ']))
        d.add(core, 'FOLLOWUP')
        d.add(r.choice(['.  ', ' or sooner if needed.  ', ' for reevaluation.  ']))

    def assessment(self, d):
        r = self.r
        d.add(r.choice(['ASSESSMENT:,  ', 'IMPRESSION: ', 'ASSESSMENT AND PLAN:  1.  ', 'DIAGNOSIS: ']))
        for i in range(r.randint(1, 3)):
            if i:
                d.add(r.choice(['.  ', ', ', '\n']))
            d.add(self.case(r.choice(DIAGNOSES)), 'DIAGNOSIS')
        d.add('.  ')
        if r.random() < 0.5:
            d.add(r.choice(['Patient was advised to avoid ', 'Continue current ', 'He is to stop ',
                            'She will need ']))
            d.add(r.choice(CLASS_PHRASES) + '.  ')

    def note(self):
        d = Doc()
        r = self.r
        blocks = [self.hpi]
        extra = [self.med_list, self.med_list, self.narrative_med, self.narrative_med, self.allergies, self.labs,
                 self.assessment, self.followup]
        r.shuffle(extra)
        blocks += extra[:r.randint(2, len(extra))]
        for b in blocks:
            b(d)
            if r.random() < 0.3:
                d.add('\n')
        return {'text': d.text(), 'spans': d.spans}
